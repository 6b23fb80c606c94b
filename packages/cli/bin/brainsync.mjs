#!/usr/bin/env -S node --max-semi-space-size=32
// --max-semi-space-size=32: rows waiting in the dedupe window and in flight then die young
// instead of being promoted and collected by full collections (README, "Speed").
import "../dist/bundle/brainsync.mjs"
