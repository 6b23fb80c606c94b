#!/usr/bin/env node
// Runs the sandbox command from its TypeScript sources (the workspace has no build step).
import { register } from "tsx/esm/api"

register()
await import("../src/internal/main.ts")
