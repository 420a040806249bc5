import { RequiredFeatures, clientBuild, isFatalClientError } from './rdkafka';

describe("the Kafka client's native build", () => {
  it('loads librdkafka 2.x with TLS, SCRAM and the compressions the node needs', () => {
    const { librdkafka, features } = clientBuild();
    expect(librdkafka).toMatch(/^2\.\d+\.\d+/);
    expect(RequiredFeatures.filter((f) => !features.includes(f))).toEqual([]);
  });
});

describe('isFatalClientError', () => {
  it("takes librdkafka's fatal code and an error marked isFatal, nothing else", () => {
    expect(isFatalClientError({ code: -150, message: 'Local: Fatal error' })).toBe(true);
    expect(isFatalClientError(Object.assign(new Error('fenced'), { isFatal: true }))).toBe(true);
    expect(isFatalClientError({ code: -185, isFatal: false, message: 'Local: Message timed out' })).toBe(false);
    expect(isFatalClientError(new Error('plain'))).toBe(false);
    expect(isFatalClientError(undefined)).toBe(false);
    expect(isFatalClientError('Local: Fatal error')).toBe(false);
  });
});
