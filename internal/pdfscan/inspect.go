package pdfscan

import "fmt"

// File is a parsed PDF for inspection: tests and tools that look at a PDF
// kipass wrote. It checks no signature; uploads go through Verify.
type File struct{ f *pdfFile }

// Parse reads the object tree of pdf within lim (zero fields: defaults).
func Parse(pdf []byte, lim Limits) (*File, error) {
	lim = lim.withDefaults()
	if len(pdf) > lim.MaxSize {
		return nil, ErrTooLarge
	}
	if !headerOK(pdf) {
		return nil, ErrNotPDF
	}
	f, err := parsePDF(pdf, lim)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return &File{f}, nil
}

// Trailer is the newest trailer dictionary.
func (f *File) Trailer() Value { return Value{f.f, f.f.trailer} }

// Objects are the objects in use, in no particular order.
func (f *File) Objects() []Value {
	out := make([]Value, 0, len(f.f.objects))
	for _, def := range f.f.objects {
		out = append(out, Value{f.f, def.obj})
	}
	return out
}

// EmbeddedFile returns the embedded file called name (ErrNoFile if none).
func (f *File) EmbeddedFile(name string) ([]byte, error) {
	return f.f.embeddedFile(name, DefaultLimits().MaxFileSize)
}

// Value is one PDF object, with references resolved as it is read.
type Value struct {
	f *pdfFile
	v any
}

// Key is the value of key in a dictionary or stream dictionary (a null
// Value otherwise).
func (v Value) Key(key string) Value {
	if d := v.f.dict(v.v); d != nil {
		return Value{v.f, v.f.resolve(d[pdfName(key)])}
	}
	return Value{v.f, nil}
}

// Text is a string decoded as a PDF text string ("" if not a string).
func (v Value) Text() string { return pdfText(v.f.resolve(v.v)) }

// Name is a name's text without the slash ("" if not a name).
func (v Value) Name() string {
	n, _ := v.f.resolve(v.v).(pdfName)
	return string(n)
}

// IsStream reports whether the value is a stream.
func (v Value) IsStream() bool {
	_, ok := v.f.resolve(v.v).(pdfStream)
	return ok
}
