import { answered, UnansweredCall } from './transactional';

describe('answered: a librdkafka call that settles within its bound', () => {
  it('fails as fatal, naming the call, when the callback never comes', async () => {
    const started = Date.now();
    const call = answered('sendOffsetsToTransaction', 50, () => undefined);
    await expect(call).rejects.toBeInstanceOf(UnansweredCall);
    await expect(call).rejects.toMatchObject({
      isFatal: true,
      message: expect.stringContaining('did not answer sendOffsetsToTransaction within 50 ms') as unknown,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it("passes on the client's answer: success, or its error with the code's name", async () => {
    await expect(answered('commitTransaction', 1_000, (done) => setTimeout(() => done(null), 5))).resolves.toBe(
      undefined,
    );
    const error = Object.assign(new Error('Broker: Producer fenced'), { code: 90, isFatal: true });
    await expect(answered('commitTransaction', 1_000, (done) => done(error as never))).rejects.toMatchObject({
      message: 'Broker: Producer fenced',
      isFatal: true,
    });
  });

  it('ignores a callback that comes after the bound', async () => {
    let late: ((err: null) => void) | undefined;
    const call = answered('abortTransaction', 20, (done) => (late = done));
    await expect(call).rejects.toBeInstanceOf(UnansweredCall);
    expect(() => late?.(null)).not.toThrow();
  });
});
