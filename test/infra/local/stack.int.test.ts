import { stackSettings } from '../../../infra/local/settings';
import { status } from '../../../infra/local/stack';

describe('the stack the integration tests run on', () => {
  it('reports Kafka, the schema registry and Redis healthy at the configured endpoints', async () => {
    const parts = await status(stackSettings());
    expect(parts.map((p) => [p.name, p.healthy])).toEqual([
      ['kafka', true],
      ['schema-registry', true],
      ['redis', true],
    ]);
  });
});
