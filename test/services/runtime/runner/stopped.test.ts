import { consumerStopped, whenConsumerStopped } from '../../../../services/runtime/runner/stopped';

describe('a consumer kafkajs gave up on', () => {
  afterEach(() => whenConsumerStopped(undefined));

  it('reaches the handler the process set, with the service and the error', () => {
    const seen: [string, string][] = [];
    whenConsumerStopped((service, error) => seen.push([service, error.message]));
    consumerStopped('ingest', new Error('Failed to find group coordinator'));
    expect(seen).toEqual([['ingest', 'Failed to find group coordinator']]);
  });

  it('does nothing without a handler (tests and tools only log it)', () => {
    expect(() => consumerStopped('ingest', new Error('gone'))).not.toThrow();
  });
});
