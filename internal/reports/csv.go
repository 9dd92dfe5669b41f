package reports

import (
	"encoding/csv"
	"io"
	"strings"
)

// CSVWriter writes spreadsheet-safe CSV: UTF-8 with a byte order mark (so
// German Excel detects the encoding), a chosen separator (Excel in German
// locales expects ';'), and cells that a spreadsheet would run as a formula
// neutralised with a leading apostrophe (OWASP "CSV injection").
type CSVWriter struct {
	w *csv.Writer
}

// NewCSVWriter writes the byte order mark and returns a writer using sep.
func NewCSVWriter(w io.Writer, sep rune) (*CSVWriter, error) {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(w)
	cw.Comma = sep
	cw.UseCRLF = true
	return &CSVWriter{w: cw}, nil
}

// Write writes one row with every cell neutralised.
func (c *CSVWriter) Write(row []string) error {
	safe := make([]string, len(row))
	for i, cell := range row {
		safe[i] = SafeCell(cell)
	}
	return c.w.Write(safe)
}

// Flush writes buffered rows and returns the first error.
func (c *CSVWriter) Flush() error {
	c.w.Flush()
	return c.w.Error()
}

// SafeCell prefixes a cell that starts with =, +, -, @, a tab or a carriage
// return with an apostrophe, so spreadsheets show it as text.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
