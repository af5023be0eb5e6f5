#!/usr/bin/env node
'use strict';
// The installed command (`npx personalize-optimizer …`): the client in client/cli.ts, run from its
// TypeScript sources through tsx's require hook, so the command and `npm run cli` are one program.
require('tsx/cjs');
const cli = require('../client/cli.ts');
cli.exitQuietlyOnClosedStdout();
cli.main(process.argv).then((code) => process.exit(code));
