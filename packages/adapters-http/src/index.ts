export * as HttpSource from "./HttpSource.js"
export * as MainBrainer from "./MainBrainer.js"
export * as WebhookReceiver from "./WebhookReceiver.js"
