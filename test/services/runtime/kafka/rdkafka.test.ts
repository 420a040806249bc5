import { RequiredFeatures, clientBuild } from '../../../../services/runtime/kafka/rdkafka';

describe("the Kafka client's native build", () => {
  it('loads librdkafka 2.x with TLS, SCRAM and the compressions the node needs', () => {
    const { librdkafka, features } = clientBuild();
    expect(librdkafka).toMatch(/^2\.\d+\.\d+/);
    expect(RequiredFeatures.filter((f) => !features.includes(f))).toEqual([]);
  });
});
