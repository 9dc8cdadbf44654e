import { buildApp } from './build-app.js';

// The CLI sets CDK_OUTDIR, so the app synthesises itself when this process ends.
buildApp();
