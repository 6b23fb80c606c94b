#!/usr/bin/env -S node --max-semi-space-size=32
// Runs the brainsync command from its TypeScript sources (the workspace has no build step).
// --max-semi-space-size=32: rows waiting in the dedupe window and in flight then die young
// instead of being promoted and collected by full collections (README, "Speed").
import { register } from "tsx/esm/api"

register()
await import("../src/bin.ts")
