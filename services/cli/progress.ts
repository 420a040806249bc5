/**
 * A progress bar on stderr with count, rate and ETA. On a terminal it redraws one line; elsewhere (CI, a
 * pipe) it prints a line at every tenth of the work, so long work never looks stuck and logs stay short.
 */
export class Progress {
  readonly #total: number;
  readonly #label: string;
  readonly #started = Date.now();
  readonly #tty: boolean;
  #done = 0;
  #lastDraw = 0;
  #lastTenth = -1;

  constructor(label: string, total: number, stream: NodeJS.WriteStream = process.stderr) {
    this.#label = label;
    this.#total = Math.max(total, 1);
    this.#tty = stream.isTTY === true;
    this.#stream = stream;
  }

  readonly #stream: NodeJS.WriteStream;

  tick(n = 1): void {
    this.#done += n;
    const now = Date.now();
    const tenth = Math.floor((this.#done / this.#total) * 10);
    if (this.#tty ? now - this.#lastDraw >= 100 : tenth > this.#lastTenth) {
      this.#lastDraw = now;
      this.#lastTenth = tenth;
      this.#draw(false);
    }
  }

  done(): void {
    this.#draw(true);
  }

  #draw(final: boolean): void {
    const seconds = Math.max((Date.now() - this.#started) / 1000, 0.001);
    const rate = this.#done / seconds;
    const share = Math.min(this.#done / this.#total, 1);
    const eta = rate > 0 ? (this.#total - this.#done) / rate : 0;
    const width = 24;
    const bar = '#'.repeat(Math.round(share * width)).padEnd(width, '.');
    const line = `${this.#label} [${bar}] ${this.#done}/${this.#total} ${Math.round(rate)}/s ${final ? `in ${seconds.toFixed(1)}s` : `ETA ${eta.toFixed(0)}s`}`;
    this.#stream.write(this.#tty ? `\r${line}${final ? '\n' : ''}` : `${line}\n`);
  }
}
