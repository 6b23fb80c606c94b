export * as CsvEncoding from "./CsvEncoding.js"
export * as CsvSource from "./CsvSource.js"
export * as CsvWriter from "./CsvWriter.js"
