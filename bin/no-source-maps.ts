/**
 * Imported first by the entry points. cdktf records a stack trace for every token it creates, and
 * with source maps on (tsx turns them on) each trace costs a source-map lookup per frame: a
 * quarter of an Azure synthesis. Nothing reads those traces. Error stacks then point into the code
 * tsx transpiled, a few lines off at most; configuration errors name file, field and fix anyway.
 */
process.setSourceMapsEnabled(false);
