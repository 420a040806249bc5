import { consumerStopped, whenConsumerStopped } from './stopped';

describe('a consumer that stopped for good', () => {
  afterEach(() => whenConsumerStopped(undefined));

  it('reaches the handler the process set, with the service and the error', () => {
    const seen: [string, string][] = [];
    whenConsumerStopped((service, error) => seen.push([service, error.message]));
    consumerStopped('ingest', new Error('Local: Fatal error'));
    expect(seen).toEqual([['ingest', 'Local: Fatal error']]);
  });

  it('does nothing without a handler (tests and tools only log it)', () => {
    expect(() => consumerStopped('ingest', new Error('gone'))).not.toThrow();
  });
});
