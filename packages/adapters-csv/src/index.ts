export * as CsvSource from "./CsvSource.js"
