#!/usr/bin/env node
// Runs the brainsync command from its TypeScript sources (the workspace has no build step).
import { register } from "tsx/esm/api"

register()
await import("../src/bin.ts")
