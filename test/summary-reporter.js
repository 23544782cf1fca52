// Prints jest's totals as one plain closing line, "unit: N passed, N failed[, N skipped]", for CI logs, and the
// figure of the hand-written bad-input cases: each expectConfigError (test/util.ts) that passed appends its key and
// message to a file named here, before the test workers start, and the distinct pairs are counted at the end.
const fs = require('fs');
const os = require('os');
const path = require('path');

class SummaryReporter {
  constructor() {
    this.badInputLog = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bad-input-')), 'cases.jsonl');
    process.env.CDK8S_PREFECT_BAD_INPUT_LOG = this.badInputLog;
  }

  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    if (fs.existsSync(this.badInputLog)) {
      const cases = new Set(fs.readFileSync(this.badInputLog, 'utf8').trim().split('\n'));
      const keys = new Set([...cases].map((c) => JSON.parse(c).field.replace(/^prefect-stack\.yaml(:\d+)?: /, '')));
      process.stdout.write(`FIGURE bad input (hand-written): ${cases.size} distinct cases refused naming their key, over ${keys.size} keys\n`);
    }
    fs.rmSync(path.dirname(this.badInputLog), { recursive: true, force: true });
    process.stdout.write(`unit: ${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
module.exports = SummaryReporter;
