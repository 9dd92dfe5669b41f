// Package charts renders small, accessible SVG charts for server-rendered
// pages that run under a strict Content-Security-Policy.
//
// The output is inline SVG returned as template.HTML. It contains no
// style attributes, no <style> element and no script: colours come from
// presentation attributes using currentColor and from class names
// (chart-bar, chart-bar-bg, chart-line, chart-dot, chart-grid,
// chart-label, chart-value, chart-axis) that the site stylesheet themes.
//
// Every chart is an <svg role="img"> labelled by its own <title> and
// <desc>; the desc repeats the caller's description and adds a generated
// summary in words (highest, lowest, last value). Each chart type also
// has a Table method that renders the same data as an HTML table, which
// is the full text alternative and should be placed next to the chart
// (for example inside a <details> element).
//
// All text from callers is treated as untrusted: it is sanitised to
// characters that are valid in XML, escaped, and long labels are
// shortened with an ellipsis inside the SVG while the full text stays in
// the per-element <title> and in the table. Values that are negative,
// NaN or infinite are clamped to 0, so the output never contains NaN and
// is always well-formed XML. Output is deterministic: the same input
// yields byte-identical markup.
package charts
