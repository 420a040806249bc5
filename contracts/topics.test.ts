import { NodeIds } from './nodes';
import { NodeInTopicPattern, Topic, nodeTopic, topicCatalogue } from './topics';

describe('the topic catalogue', () => {
  const names = topicCatalogue.map((t) => t.name);

  it('has 22 nodes: 00, the regions without 04, and Bolzano (21) and Trento (22)', () => {
    expect(NodeIds).toHaveLength(22);
    expect(NodeIds).not.toContain('04');
    expect(NodeIds).toEqual(expect.arrayContaining(['00', '01', '20', '21', '22']));
  });

  it('holds every central topic of the architecture once', () => {
    expect(names).toEqual(expect.arrayContaining(Object.values(Topic)));
    expect(new Set(names).size).toBe(names.length);
    expect(names).toHaveLength(Object.values(Topic).length + 3 * NodeIds.length);
  });

  it('gives each node its in, receipts and out topics', () => {
    for (const node of NodeIds) {
      expect(names).toEqual(
        expect.arrayContaining([nodeTopic.in(node), nodeTopic.receipts(node), nodeTopic.out(node)]),
      );
    }
    expect(nodeTopic.in('21')).toBe('nr.21.in');
  });

  it("compacts exactly the intermediary registry, the scheduler and the services' changelogs", () => {
    expect(topicCatalogue.filter((t) => t.compacted).map((t) => t.name)).toEqual([
      Topic.intermediari,
      Topic.scheduler,
      Topic.ingestItems,
      Topic.dispatcherHolders,
      Topic.enricherWaiting,
    ]);
  });

  it('recognises a node inbound topic and captures the sender', () => {
    expect(NodeInTopicPattern.exec('nr.12.in')?.[1]).toBe('12');
    expect(NodeInTopicPattern.test('nr.12.out')).toBe(false);
    expect(NodeInTopicPattern.test('ncn.candidature')).toBe(false);
  });
});
