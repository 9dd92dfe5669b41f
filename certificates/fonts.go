package certificates

// WithTrueHyphen returns a copy of a Go font (regular, bold or italic) in
// which "-" is drawn with the font's hyphen glyph instead of its wide minus
// sign, for other PDFs that use the Go fonts (the HR evidence report). See
// withTrueHyphen.
func WithTrueHyphen(ttf []byte) []byte { return withTrueHyphen(ttf) }
