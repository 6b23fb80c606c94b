export * as CsvSource from "./CsvSource.js"
export * as CsvWriter from "./CsvWriter.js"
