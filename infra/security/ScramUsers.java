import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.KafkaFuture;

/**
 * Creates or updates SASL/SCRAM-SHA-512 users (AlterUserScramCredentials, KIP-554), which kafkajs cannot do.
 * Run as a single-file program on Kafka's jars: java -cp 'libs/*' ScramUsers.java CLIENT_PROPERTIES BOOTSTRAP
 * Users come on stdin, one "name<TAB>password" per line, so that passwords never appear in a command line.
 * Prints "ok<TAB>name" or "error<TAB>name<TAB>reason" per user; exits 1 if any failed.
 */
public class ScramUsers {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    try (FileInputStream in = new FileInputStream(args[0])) {
      props.load(in);
    }
    props.put("bootstrap.servers", args[1]);
    List<UserScramCredentialAlteration> alterations = new ArrayList<>();
    BufferedReader reader = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = reader.readLine(); line != null; line = reader.readLine()) {
      int tab = line.indexOf('\t');
      if (tab <= 0) continue;
      ScramCredentialInfo info = new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192);
      alterations.add(new UserScramCredentialUpsertion(line.substring(0, tab), info, line.substring(tab + 1)));
    }
    boolean failed = false;
    try (Admin admin = Admin.create(props)) {
      for (Map.Entry<String, KafkaFuture<Void>> e : admin.alterUserScramCredentials(alterations).values().entrySet()) {
        try {
          e.getValue().get();
          System.out.println("ok\t" + e.getKey());
        } catch (Exception ex) {
          failed = true;
          Throwable cause = ex.getCause() == null ? ex : ex.getCause();
          System.out.println("error\t" + e.getKey() + "\t" + cause.getMessage());
        }
      }
    }
    System.exit(failed ? 1 : 0);
  }
}
