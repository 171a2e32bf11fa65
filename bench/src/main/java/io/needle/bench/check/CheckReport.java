package io.needle.bench.check;

import io.needle.bench.harness.Json;
import java.util.List;
import java.util.Locale;

/**
 * The result of {@code needle check}: facts per file, the estimated cost of a lookup, and advice.
 * Renders as text for people and as JSON for tools.
 */
public record CheckReport(String table, String keyColumn, List<String> columns, List<FileFacts> files,
    LookupCost cost, List<Advice> advice) {

  /** One thing to change, and why: {@code code} is stable for tools, {@code text} for people. */
  public record Advice(String code, String text) {}

  public CheckReport {
    columns = List.copyOf(columns);
    files = List.copyOf(files);
    advice = List.copyOf(advice);
  }

  public long rows() {
    return files.stream().mapToLong(FileFacts::rows).sum();
  }

  public long bytes() {
    return files.stream().mapToLong(FileFacts::bytes).sum();
  }

  public boolean hasAdvice(String code) {
    return advice.stream().anyMatch(a -> a.code().equals(code));
  }

  public String toText() {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "table %s: %d files, %,d rows, %s; key column %s%n", table, files.size(),
        rows(), size(bytes()), keyColumn));
    for (FileFacts f : files) {
      out.append(String.format(Locale.ROOT, "%n%s: %,d rows, %s, codec %s%n", f.path(), f.rows(), size(f.bytes()),
          String.join("+", f.codecs())));
      out.append(String.format(Locale.ROOT, "  row groups: %d (%s .. %s, up to %,d rows)%n", f.rowGroups(),
          size(f.minRowGroupBytes()), size(f.maxRowGroupBytes()), f.maxRowGroupRows()));
      out.append(String.format(Locale.ROOT, "  key: %s, range %s .. %s%s%s%n", f.keySorted() ? "sorted" : "NOT sorted",
          f.keyMin(), f.keyMax(), f.overlapsOtherFile() ? ", OVERLAPS another file" : "",
          f.keyNulls() > 0 ? ", " + f.keyNulls() + " null" : ""));
      out.append("  key pages: ").append(pages(f.keyPages())).append('\n');
      out.append("  other pages: ").append(pages(f.valuePages())).append('\n');
      out.append(String.format(Locale.ROOT, "  page index: column index on key in %d/%d row groups, offset index in "
          + "%d/%d chunks%n", f.keyColumnIndexChunks(), f.rowGroups(), f.offsetIndexChunks(), f.chunks()));
      out.append(String.format(Locale.ROOT, "  bloom filter on key: %d/%d row groups%s%n", f.bloomRowGroups(),
          f.rowGroups(), f.bloomRowGroups() > 0 ? " (" + size(f.bloomBytes() / f.bloomRowGroups()) + " each)" : ""));
      if (!f.dictionaryFallback().isEmpty()) {
        out.append("  dictionary fallback: ").append(String.join(", ", f.dictionaryFallback())).append('\n');
      }
    }
    out.append(String.format(Locale.ROOT, "%nper lookup of a present key (planned by Needle's planner for %d sampled "
        + "keys, columns %s):%n", cost.sampledKeys(), columns.isEmpty() ? "all" : String.join(",", columns)));
    out.append(String.format(Locale.ROOT, "  files asked %.1f, pages sent %.1f (key pages %.1f), pages decoded %.1f%n",
        cost.files(), cost.pages(), cost.keyPages(), cost.pagesDecoded()));
    out.append(String.format(Locale.ROOT, "  bytes sent (and read from the source when cold) %s, largest %s%n",
        size((long) cost.bytesSent()), size(cost.maxBytesSent())));
    out.append(String.format(Locale.ROOT, "  metadata read once per file version: %s in all%n",
        size(cost.metadataBytes())));
    out.append("\nadvice:\n");
    if (advice.isEmpty()) {
      out.append("  none: the layout is lookup-friendly\n");
    }
    for (Advice a : advice) {
      out.append("  - ").append(a.text()).append('\n');
    }
    return out.toString();
  }

  public String toJson() {
    StringBuilder out = new StringBuilder("{");
    field(out, "table", str(table)).append(',');
    field(out, "keyColumn", str(keyColumn)).append(',');
    field(out, "columns", list(columns.stream().map(CheckReport::str).toList())).append(',');
    field(out, "rows", Long.toString(rows())).append(',');
    field(out, "bytes", Long.toString(bytes())).append(',');
    out.append("\"files\":[");
    for (int i = 0; i < files.size(); i++) {
      FileFacts f = files.get(i);
      out.append(i == 0 ? "{" : ",{");
      field(out, "path", str(f.path())).append(',');
      field(out, "bytes", Long.toString(f.bytes())).append(',');
      field(out, "rows", Long.toString(f.rows())).append(',');
      field(out, "rowGroups", Integer.toString(f.rowGroups())).append(',');
      field(out, "minRowGroupBytes", Long.toString(f.minRowGroupBytes())).append(',');
      field(out, "maxRowGroupBytes", Long.toString(f.maxRowGroupBytes())).append(',');
      field(out, "maxRowGroupRows", Long.toString(f.maxRowGroupRows())).append(',');
      field(out, "codecs", list(f.codecs().stream().map(CheckReport::str).toList())).append(',');
      field(out, "keySorted", Boolean.toString(f.keySorted())).append(',');
      field(out, "keyNulls", Long.toString(f.keyNulls())).append(',');
      field(out, "keyMin", str(f.keyMin())).append(',');
      field(out, "keyMax", str(f.keyMax())).append(',');
      field(out, "overlapsOtherFile", Boolean.toString(f.overlapsOtherFile())).append(',');
      field(out, "keyPages", pagesJson(f.keyPages())).append(',');
      field(out, "otherPages", pagesJson(f.valuePages())).append(',');
      field(out, "keyColumnIndexRowGroups", Integer.toString(f.keyColumnIndexChunks())).append(',');
      field(out, "offsetIndexChunks", Integer.toString(f.offsetIndexChunks())).append(',');
      field(out, "chunks", Integer.toString(f.chunks())).append(',');
      field(out, "pageIndex", Boolean.toString(f.pageIndex())).append(',');
      field(out, "bloomRowGroups", Integer.toString(f.bloomRowGroups())).append(',');
      field(out, "bloomBytes", Long.toString(f.bloomBytes())).append(',');
      field(out, "dictionaryFallback", list(f.dictionaryFallback().stream().map(CheckReport::str).toList()));
      out.append('}');
    }
    out.append("],\"lookup\":{");
    field(out, "sampledKeys", Integer.toString(cost.sampledKeys())).append(',');
    field(out, "files", num(cost.files())).append(',');
    field(out, "pagesSent", num(cost.pages())).append(',');
    field(out, "keyPagesSent", num(cost.keyPages())).append(',');
    field(out, "pagesDecoded", num(cost.pagesDecoded())).append(',');
    field(out, "bytesSent", num(cost.bytesSent())).append(',');
    field(out, "bytesReadFromSourceCold", num(cost.bytesSent())).append(',');
    field(out, "maxBytesSent", Long.toString(cost.maxBytesSent())).append(',');
    field(out, "metadataBytes", Long.toString(cost.metadataBytes()));
    out.append("},\"advice\":[");
    for (int i = 0; i < advice.size(); i++) {
      out.append(i == 0 ? "{" : ",{");
      field(out, "code", str(advice.get(i).code())).append(',');
      field(out, "text", str(advice.get(i).text()));
      out.append('}');
    }
    return out.append("]}").toString();
  }

  private static String pages(PageFacts p) {
    return String.format(Locale.ROOT, "%,d, avg %s, max %s, %,d %s per page", p.pages(), size(p.averageBytes()),
        size(p.maxBytes()), p.rowsPerPage(), p.rowsKnown() ? "rows" : "values");
  }

  private static String pagesJson(PageFacts p) {
    return "{\"pages\":" + p.pages() + ",\"bytes\":" + p.bytes() + ",\"avgBytes\":" + p.averageBytes()
        + ",\"maxBytes\":" + p.maxBytes() + ",\"perPage\":" + p.rowsPerPage() + ",\"perPageUnit\":"
        + (p.rowsKnown() ? "\"rows\"" : "\"values\"") + "}";
  }

  static String size(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    if (bytes < 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }
    return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
  }

  private static StringBuilder field(StringBuilder out, String name, String json) {
    return out.append('"').append(name).append("\":").append(json);
  }

  private static String list(List<String> json) {
    return "[" + String.join(",", json) + "]";
  }

  private static String num(double v) {
    return Json.number(v);
  }

  private static String str(String s) {
    return s == null ? "null" : Json.string(s);
  }
}
