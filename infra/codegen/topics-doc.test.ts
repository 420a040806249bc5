import { readFileSync } from 'node:fs';
import { topicsDocFile, topicsDocSource } from './topics-doc';
import { topicCatalogue } from '../../contracts/topics';

describe('the topic catalogue page', () => {
  it('committed as docs/topics.md is what the generator writes from contracts/topics.ts', () => {
    expect(readFileSync(topicsDocFile, 'utf8')).toBe(topicsDocSource());
  });

  it('names every central topic, and each node topic once as nr.<node>.*', () => {
    const page = topicsDocSource();
    for (const t of topicCatalogue.filter((s) => !s.name.startsWith('nr.'))) expect(page).toContain(`| \`${t.name}\``);
    for (const kind of ['in', 'receipts', 'out']) expect(page).toContain(`| \`nr.<node>.${kind}\``);
    expect(page).not.toMatch(/nr\.\d\d\./);
  });
});
