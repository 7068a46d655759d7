import { isUtf8 } from 'node:buffer';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { parse, type Parser } from 'csv-parse';
import { type Db, sql } from '@steward/db';
import { AppError } from '../../../errors.js';
import { IMPORT_LIMITS, type ImportLimits } from './schemas.js';

/**
 * The CSV file of an import: sniffed, checked and stored in PostgreSQL as it streams in, then read
 * back piece by piece. Neither side ever holds the whole file or all of its rows.
 */

export type Delimiter = ',' | ';' | '\t';
export const CHUNK_BYTES = 256 * 1024;
/** Bytes looked at before choosing the delimiter: enough for the header and a few rows. */
const SNIFF_BYTES = 64 * 1024;

export interface CsvRecord {
  cells: string[];
  /** As a spreadsheet numbers it: the header is row 1. */
  rowNumber: number;
}

/** The one parser configuration, so the upload's count and the job's reading agree row for row. */
export function csvParser(delimiter: Delimiter, limits: Pick<ImportLimits, 'maxCellCharacters'> = IMPORT_LIMITS): Parser {
  return parse({
    delimiter,
    bom: true,
    // Mixed line endings (a file edited on two systems) are still one row per line.
    record_delimiter: ['\r\n', '\n', '\r'],
    // A row with too few or too many cells is refused on its own, with the reason, not the whole file.
    relax_column_count: true,
    max_record_size: limits.maxCellCharacters,
  });
}

/** Records out of a parser, with their row numbers; blank lines are skipped but keep their number. */
export async function* csvRecords(parser: AsyncIterable<string[]>): AsyncGenerator<CsvRecord> {
  let rowNumber = 0;
  for await (const record of parser) {
    rowNumber++;
    if (isBlank(record)) continue;
    yield { cells: record, rowNumber };
  }
}

const isBlank = (record: string[]) => record.every((cell) => cell.trim() === '');

/** How often `delimiter` appears in a line outside quoted cells. */
function countOutsideQuotes(line: string, delimiter: string): number {
  let count = 0;
  let quoted = false;
  for (const char of line) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && char === delimiter) count++;
  }
  return count;
}

/**
 * The delimiter of a file from its first lines: the candidate that splits every sampled line into
 * the same number of cells (more than one), preferring the one giving the most; failing that, the
 * one most frequent in the header. A file of one column has no delimiter to find: comma.
 */
export function sniffDelimiter(head: string): Delimiter {
  const lines = head.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/).filter((line) => line.trim() !== '');
  // The last line of the sample may be cut short.
  const sample = lines.length > 2 ? lines.slice(0, Math.min(6, lines.length - 1)) : lines;
  const candidates: Delimiter[] = [',', ';', '\t'];
  let best: { delimiter: Delimiter; count: number } | null = null;
  for (const delimiter of candidates) {
    const counts = sample.map((line) => countOutsideQuotes(line, delimiter));
    if (counts[0]! > 0 && counts.every((c) => c === counts[0]) && (!best || counts[0]! > best.count)) best = { delimiter, count: counts[0]! };
  }
  if (best) return best.delimiter;
  const header = sample[0] ?? '';
  return candidates.reduce((a, b) => (countOutsideQuotes(header, b) > countOutsideQuotes(header, a) ? b : a), ',');
}

const bad = (message: string) => new AppError('BAD_REQUEST', message);

/** The upload is over the size limit: answered 413 rather than 400. */
export class FileTooLarge extends AppError {
  constructor(limits: Pick<ImportLimits, 'maxBytes'>) {
    super('BAD_REQUEST', `The file is larger than ${Math.round(limits.maxBytes / 1024 / 1024)} MB; split it into several imports.`);
  }
}

/** The first bytes say what the file is when it is not UTF-8 text at all. */
function assertTextFile(head: Buffer) {
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    throw bad('The file is UTF-16 text. Save it as "CSV UTF-8" and upload it again.');
  }
  if (head.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) {
    throw bad('This is a spreadsheet file (.xlsx or .ods), not CSV. Save it as "CSV UTF-8" and upload that.');
  }
}

const EMAIL_LIKE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const NUMBER_LIKE = /^[+-]?\d+([.,]\d+)?$/;

/**
 * The first row must name the columns: at least one name, none of them looking like data (an
 * email address or a number), so that a file without a header is not imported one row short.
 */
export function assertHeader(cells: string[], limits: Pick<ImportLimits, 'maxColumns'>) {
  if (cells.length > limits.maxColumns) throw bad(`The file has ${cells.length} columns; an import takes at most ${limits.maxColumns}.`);
  const named = cells.map((c) => c.trim()).filter(Boolean);
  if (named.length === 0) throw bad('The first row is empty: it must name the columns (e.g. "Email", "First name").');
  const dataLike = named.find((cell) => EMAIL_LIKE.test(cell) || NUMBER_LIKE.test(cell));
  if (dataLike) {
    throw bad(`The first row looks like data ("${dataLike.slice(0, 60)}"), not column names. Add a header row naming the columns (e.g. "Email", "First name").`);
  }
}

export interface StoredFile {
  id: string;
  delimiter: Delimiter;
  headers: string[];
  totalRows: number;
  fileBytes: number;
}

export interface ImportOwner {
  organisationId: string;
  workspaceId: string;
  userId: string;
  apiKeyId: string | null;
}

/**
 * Streams an uploaded CSV into `contact_import_chunks` while checking it: UTF-8 throughout, a
 * header row, at most `maxBytes`, `maxColumns` and `maxRows`, well-formed quoting. The rows are
 * counted, not kept. Anything wrong is a 400 (413 for size) naming the problem, and nothing stays
 * stored. Chunks are written as they fill, outside a transaction (an upload can take minutes);
 * the import is `uploading` until the last one is in, and a sweep removes uploads left behind.
 */
export async function storeImportFile(db: Db, owner: ImportOwner, fileName: string, body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, limits: ImportLimits = IMPORT_LIMITS): Promise<StoredFile> {
  const { id } = await db
    .insertInto('contact_imports')
    .values({
      organisation_id: owner.organisationId,
      workspace_id: owner.workspaceId,
      created_by: owner.userId,
      api_key_id: owner.apiKeyId,
      file_name: fileName,
      state: 'uploading',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  try {
    const stored = await writeChunks(db, id, body, limits);
    await db
      .updateTable('contact_imports')
      .set({ state: 'uploaded', delimiter: stored.delimiter, headers: JSON.stringify(stored.headers), total_rows: stored.totalRows, file_bytes: stored.fileBytes, updated_at: sql`now()` })
      .where('id', '=', id)
      .execute();
    return { id, ...stored };
  } catch (error) {
    await db.deleteFrom('contact_imports').where('id', '=', id).execute();
    throw error;
  }
}

async function writeChunks(db: Db, importId: string, body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, limits: ImportLimits): Promise<Omit<StoredFile, 'id'>> {
  const utf8 = utf8Checker();
  let parser: Parser | null = null;
  let delimiter: Delimiter = ',';
  let parseError: Error | null = null;
  let headers: string[] | null = null;
  let totalRows = 0;
  let fileBytes = 0;
  let seq = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let sniffed: Buffer[] = [];

  const flush = async () => {
    if (pendingBytes === 0) return;
    await db.insertInto('contact_import_chunks').values({ import_id: importId, seq: seq++, data: Buffer.concat(pending) }).execute();
    pending = [];
    pendingBytes = 0;
  };
  const checkUtf8 = (bytes: Buffer, final: boolean) => {
    if (!utf8(bytes, final)) throw bad('The file is not UTF-8 text (it may be in a Windows or Mac encoding). In Excel, choose "Save as" → "CSV UTF-8", then upload it again.');
  };
  const startParser = (head: Buffer) => {
    if (head.length === 0) throw bad('The file is empty.');
    delimiter = sniffDelimiter(head.toString('utf8'));
    const p = csvParser(delimiter, limits);
    p.on('data', (record: string[]) => {
      if (parseError) return;
      try {
        if (headers === null) {
          assertHeader(record, limits);
          headers = record.map((cell) => cell.trim());
        } else if (!isBlank(record)) {
          totalRows++;
          if (totalRows > limits.maxRows) throw bad(`The file has more than ${limits.maxRows.toLocaleString('en')} rows; split it into several imports.`);
        }
      } catch (error) {
        parseError = error as Error;
      }
    });
    p.on('error', (error) => {
      parseError ??= error;
    });
    return p;
  };
  // The parser counts as fast as the network delivers; should it fall behind, the upload waits.
  const feed = async (bytes: Buffer) => {
    if (!parser!.write(bytes) && !parseError) await Promise.race([once(parser!, 'drain'), once(parser!, 'error').catch(() => undefined)]);
    if (parseError) throw describeParseError(parseError);
  };

  for await (const piece of body) {
    const bytes = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    if (fileBytes === 0) assertTextFile(bytes);
    fileBytes += bytes.length;
    if (fileBytes > limits.maxBytes) throw new FileTooLarge(limits);
    checkUtf8(bytes, false);
    pending.push(bytes);
    pendingBytes += bytes.length;
    if (parser) await feed(bytes);
    else {
      sniffed.push(bytes);
      if (fileBytes >= SNIFF_BYTES) {
        parser = startParser(Buffer.concat(sniffed));
        await feed(Buffer.concat(sniffed));
        sniffed = [];
      }
    }
    if (pendingBytes >= CHUNK_BYTES) await flush();
  }
  checkUtf8(Buffer.alloc(0), true);
  if (!parser) {
    parser = startParser(Buffer.concat(sniffed));
    await feed(Buffer.concat(sniffed));
  }
  const ended = new Promise<void>((resolve) => parser!.once('end', resolve).once('error', () => resolve()));
  parser.end();
  await ended;
  if (parseError) throw describeParseError(parseError);
  if (headers === null) throw bad('The file has no rows.');
  if (totalRows === 0) throw bad('The file has a header row but no data rows.');
  await flush();
  return { delimiter, headers, totalRows, fileBytes };
}

/**
 * Checks that pieces of a stream are UTF-8 without decoding them: a character cut at the end of a
 * piece is held back and checked with the next one.
 */
function utf8Checker() {
  let carry = Buffer.alloc(0);
  return (piece: Buffer, final: boolean): boolean => {
    const data = carry.length ? Buffer.concat([carry, piece]) : piece;
    let end = data.length;
    if (!final) {
      let start = end - 1;
      while (start > 0 && end - start < 4 && (data[start]! & 0xc0) === 0x80) start--;
      const lead = data[start] ?? 0;
      const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
      if (end - start < length) end = start;
    }
    carry = Buffer.from(data.subarray(end));
    return isUtf8(data.subarray(0, end));
  };
}

/** csv-parse's errors, in the words of someone fixing a spreadsheet. */
function describeParseError(error: Error): Error {
  if (error instanceof AppError) return error;
  const e = error as Error & { code?: string; lines?: number };
  const at = e.lines ? ` (near line ${e.lines})` : '';
  switch (e.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return bad(`A quoted cell is never closed${at}: check for a stray double quote.`);
    case 'CSV_MAX_RECORD_SIZE':
      return bad(`A cell is longer than ${IMPORT_LIMITS.maxCellCharacters.toLocaleString('en')} characters${at}; a double quote is probably left open.`);
    case 'INVALID_OPENING_QUOTE':
    case 'CSV_INVALID_CLOSING_QUOTE':
      return bad(`A double quote is misplaced${at}: quotes must enclose a whole cell, and a quote inside a cell is written twice ("").`);
    default:
      return bad(`The file is not valid CSV${at}.`);
  }
}

/** Bytes handed to the parser at once: its output waits for the reader, so this bounds the rows parsed ahead. */
const PARSE_SLICE_BYTES = 64 * 1024;

/**
 * The stored file, in order: one query per stored piece (about a megabyte), handed on in slices.
 * A whole piece parsed at once would be some 10,000 rows waiting for the job, long enough for
 * the garbage collector to move every one of them to the old generation.
 */
export async function* storedChunks(db: Db, importId: string): AsyncGenerator<Buffer> {
  for (let seq = 0; ; seq++) {
    const chunk = await db.selectFrom('contact_import_chunks').select('data').where('import_id', '=', importId).where('seq', '=', seq).executeTakeFirst();
    if (!chunk) return;
    for (let at = 0; at < chunk.data.length; at += PARSE_SLICE_BYTES) yield chunk.data.subarray(at, at + PARSE_SLICE_BYTES);
  }
}

/** The stored file's records, header first, streamed. */
export function storedRecords(db: Db, importId: string, delimiter: Delimiter): AsyncGenerator<CsvRecord> {
  // One piece read ahead at most; a reader that stops early (the preview) stops the reading too.
  const source = Readable.from(storedChunks(db, importId), { highWaterMark: 1 });
  const parser = source.pipe(csvParser(delimiter));
  parser.once('close', () => source.destroy());
  return csvRecords(parser);
}

/** The header and the first `count` data rows (the file is read only as far as that). */
export async function firstRecords(db: Db, importId: string, delimiter: Delimiter, count: number): Promise<CsvRecord[]> {
  const records: CsvRecord[] = [];
  for await (const record of storedRecords(db, importId, delimiter)) {
    records.push(record);
    if (records.length > count) break;
  }
  return records;
}

/** One CSV cell, quoted when it must be (RFC 4180). */
export function csvCell(raw: string, delimiter: Delimiter): string {
  // A cell a spreadsheet would run as a formula (=, +, -, @, tab, carriage return first) is opened
  // as text: the report can reach an admin from a file someone else uploaded (OWASP CSV injection).
  const value = /^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw;
  return value.includes(delimiter) || /["\r\n]/.test(value) || value !== value.trim() ? `"${value.replace(/"/g, '""')}"` : value;
}
