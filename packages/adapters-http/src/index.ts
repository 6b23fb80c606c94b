export * as MainBrainer from "./MainBrainer.js"
