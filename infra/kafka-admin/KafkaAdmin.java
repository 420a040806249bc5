import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;

/**
 * What the node's Kafka client (librdkafka) has no admin request for, on Kafka's own Java admin client: SCRAM users
 * (AlterUserScramCredentials, KIP-554), ACLs, and topic configurations as the broker holds them. Run as a
 * single-file program on Kafka's jars:
 *
 *   java -cp 'libs/*' KafkaAdmin.java CLIENT_PROPERTIES BOOTSTRAP COMMAND
 *
 * Input comes on stdin, one tab-separated line per item, so that passwords never appear in a command line;
 * output is one tab-separated line per item. An ACL is seven fields: resource type, resource name, pattern type,
 * principal, host, operation, permission (Kafka's enumeration names: TOPIC, PREFIXED, READ, ALLOW, ...).
 *
 *   scram-users     in: name, password           out: "ok", name | "error", name, reason
 *   acls-of         in: principal (User:name)     out: "acl", its seven fields
 *   acls-create     in: an ACL                    out: "ok", count created
 *   acls-delete     in: an ACL                    out: "ok", count deleted
 *   topic-configs   in: topic                     out: "config", topic, name, value, source
 *   quorum          in: nothing                   out: "broker", id, host, port; "leader", id;
 *                                                      "voter", id, log end offset, ms since last caught up
 *
 * Exits 0 when every item succeeded; 1 after printing "error" lines; 2 on a usage error.
 */
public class KafkaAdmin {
  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: KafkaAdmin CLIENT_PROPERTIES BOOTSTRAP COMMAND < items");
      System.exit(2);
    }
    Properties props = new Properties();
    try (FileInputStream in = new FileInputStream(args[0])) {
      props.load(in);
    }
    props.put("bootstrap.servers", args[1]);
    List<String[]> items = new ArrayList<>();
    BufferedReader reader = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = reader.readLine(); line != null; line = reader.readLine()) {
      if (!line.isEmpty()) items.add(line.split("\t", -1));
    }
    boolean ok;
    try (Admin admin = Admin.create(props)) {
      switch (args[2]) {
        case "scram-users" -> ok = scramUsers(admin, items);
        case "acls-of" -> ok = aclsOf(admin, items);
        case "acls-create" -> ok = aclsCreate(admin, items);
        case "acls-delete" -> ok = aclsDelete(admin, items);
        case "topic-configs" -> ok = topicConfigs(admin, items);
        case "quorum" -> ok = quorum(admin);
        default -> {
          System.err.println("unknown command: " + args[2]);
          System.exit(2);
          return;
        }
      }
    }
    System.exit(ok ? 0 : 1);
  }

  static String reason(Exception ex) {
    Throwable cause = ex.getCause() == null ? ex : ex.getCause();
    return cause.getClass().getSimpleName() + ": " + String.valueOf(cause.getMessage()).replace('\t', ' ').replace('\n', ' ');
  }

  static boolean scramUsers(Admin admin, List<String[]> items) {
    List<UserScramCredentialAlteration> alterations = new ArrayList<>();
    for (String[] item : items) {
      if (item.length < 2 || item[0].isEmpty()) continue;
      ScramCredentialInfo info = new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192);
      alterations.add(new UserScramCredentialUpsertion(item[0], info, item[1]));
    }
    boolean ok = true;
    for (Map.Entry<String, KafkaFuture<Void>> e : admin.alterUserScramCredentials(alterations).values().entrySet()) {
      try {
        e.getValue().get();
        System.out.println("ok\t" + e.getKey());
      } catch (Exception ex) {
        ok = false;
        System.out.println("error\t" + e.getKey() + "\t" + reason(ex));
      }
    }
    return ok;
  }

  static AclBinding acl(String[] f) {
    if (f.length != 7) throw new IllegalArgumentException("an ACL has 7 fields, not " + f.length + ": " + String.join(" ", f));
    return new AclBinding(
        new ResourcePattern(ResourceType.valueOf(f[0]), f[1], PatternType.valueOf(f[2])),
        new AccessControlEntry(f[3], f[4], AclOperation.valueOf(f[5]), AclPermissionType.valueOf(f[6])));
  }

  static boolean aclsOf(Admin admin, List<String[]> items) {
    boolean ok = true;
    for (String[] item : items) {
      AclBindingFilter filter = new AclBindingFilter(
          ResourcePatternFilter.ANY,
          new AccessControlEntryFilter(item[0], null, AclOperation.ANY, AclPermissionType.ANY));
      try {
        for (AclBinding b : admin.describeAcls(filter).values().get()) {
          ResourcePattern p = b.pattern();
          AccessControlEntry e = b.entry();
          System.out.println(String.join("\t", "acl", p.resourceType().name(), p.name(), p.patternType().name(),
              e.principal(), e.host(), e.operation().name(), e.permissionType().name()));
        }
      } catch (Exception ex) {
        ok = false;
        System.out.println("error\t" + item[0] + "\t" + reason(ex));
      }
    }
    return ok;
  }

  static boolean aclsCreate(Admin admin, List<String[]> items) {
    List<AclBinding> acls = items.stream().map(KafkaAdmin::acl).toList();
    try {
      admin.createAcls(acls).all().get();
      System.out.println("ok\t" + acls.size());
      return true;
    } catch (Exception ex) {
      System.out.println("error\tcreate\t" + reason(ex));
      return false;
    }
  }

  static boolean aclsDelete(Admin admin, List<String[]> items) {
    List<AclBindingFilter> filters = items.stream().map(f -> acl(f).toFilter()).toList();
    try {
      Collection<AclBinding> deleted = admin.deleteAcls(filters).all().get();
      System.out.println("ok\t" + deleted.size());
      return true;
    } catch (Exception ex) {
      System.out.println("error\tdelete\t" + reason(ex));
      return false;
    }
  }

  static boolean topicConfigs(Admin admin, List<String[]> items) {
    boolean ok = true;
    for (String[] item : items) {
      ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, item[0]);
      try {
        Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
        for (ConfigEntry e : config.entries()) {
          System.out.println(String.join("\t", "config", item[0], e.name(), String.valueOf(e.value()), e.source().name()));
        }
      } catch (Exception ex) {
        ok = false;
        System.out.println("error\t" + item[0] + "\t" + reason(ex));
      }
    }
    return ok;
  }

  /** The cluster's brokers and its KRaft controller quorum: which voter leads, and how far each is behind it. */
  static boolean quorum(Admin admin) {
    try {
      for (org.apache.kafka.common.Node n : admin.describeCluster().nodes().get()) {
        System.out.println(String.join("\t", "broker", String.valueOf(n.id()), n.host(), String.valueOf(n.port())));
      }
      QuorumInfo info = admin.describeMetadataQuorum().quorumInfo().get();
      System.out.println("leader\t" + info.leaderId());
      long now = System.currentTimeMillis();
      for (QuorumInfo.ReplicaState v : info.voters()) {
        String behind = v.lastCaughtUpTimestamp().isPresent() ? String.valueOf(now - v.lastCaughtUpTimestamp().getAsLong()) : "";
        System.out.println(String.join("\t", "voter", String.valueOf(v.replicaId()), String.valueOf(v.logEndOffset()), behind));
      }
      return true;
    } catch (Exception ex) {
      System.out.println("error\tquorum\t" + reason(ex));
      return false;
    }
  }
}
