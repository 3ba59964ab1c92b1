'use strict';
// `--name value` and `--name=value` command-line options into an object (the harness scripts and
// sdk_bot.js); a bare word, or a last option without its value, is an error.
function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const eq = a.indexOf('=');
    if (eq > 0) {
      o[a.slice(2, eq)] = a.slice(eq + 1);
    } else {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      o[a.slice(2)] = argv[++i];
    }
  }
  return o;
}

module.exports = { parseArgs };
