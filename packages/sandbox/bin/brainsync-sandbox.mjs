#!/usr/bin/env node
import "../dist/internal/main.js"
