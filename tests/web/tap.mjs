// A few lines of TAP (version 13): ok / not ok with a YAML block for what failed, comments,
// the plan at the end, and a closing "N passed, N failed, N todo" comment. A TODO check
// (a known gap, with its reason) is shown but neither passes nor fails the run.

export class Tap {
  constructor(out = process.stdout) {
    this.out = out;
    this.count = 0;
    this.passed = 0;
    this.failed = 0;
    this.todo = 0;
    this.out.write('TAP version 13\n');
  }

  // records one check; `details` (got/want, ...) are printed when it fails. A check
  // marked `todo` (the reason) is a known gap: TAP shows it but it fails nothing.
  ok(pass, description, details = {}, { todo = null } = {}) {
    this.count++;
    if (todo) this.todo++;
    else if (pass) this.passed++;
    else this.failed++;
    this.out.write(`${pass ? 'ok' : 'not ok'} ${this.count} - ${description}${todo ? ` # TODO ${todo}` : ''}\n`);
    if (!pass && Object.keys(details).length) {
      this.out.write('  ---\n');
      for (const [k, v] of Object.entries(details)) this.out.write(`  ${k}: ${JSON.stringify(v)}\n`);
      this.out.write('  ...\n');
    }
    return pass;
  }

  equal(got, want, description, options = {}) {
    const pass = JSON.stringify(got) === JSON.stringify(want);
    return this.ok(pass, description, { got, want }, options);
  }

  comment(text) {
    for (const line of String(text).split('\n')) this.out.write(`# ${line}\n`);
  }

  // a failure that stops the run: one not-ok line, then the plan
  bail(description, error) {
    this.ok(false, description, { error: String(error && error.stack || error) });
    return this.end();
  }

  // prints the plan and returns the exit status
  end() {
    this.out.write(`1..${this.count}\n`);
    this.comment(`${this.passed} passed, ${this.failed} failed, ${this.todo} todo`);
    return this.failed || this.count === 0 ? 1 : 0;
  }
}
