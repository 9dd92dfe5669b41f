package pdfscan

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf16"
)

// embeddedFile returns the embedded file called name: the file
// specification of that name in the /EmbeddedFiles name tree (by tree key,
// /UF or /F), its /EF stream, FlateDecode or unfiltered, at most limit
// bytes; ErrNoFile when there is none.
func (f *pdfFile) embeddedFile(name string, limit int) ([]byte, error) {
	root := f.dict(f.trailer["Root"])
	names := f.dict(root["Names"])
	tree := f.dict(names["EmbeddedFiles"])
	if tree == nil {
		return nil, ErrNoFile
	}
	nodes := 0
	var walk func(n pdfDict, depth int) pdfDict
	walk = func(n pdfDict, depth int) pdfDict {
		if n == nil || depth > 8 || nodes > 256 {
			return nil
		}
		nodes++
		if kv, ok := f.resolve(n["Names"]).(pdfArray); ok {
			for i := 0; i+1 < len(kv); i += 2 {
				spec := f.dict(kv[i+1])
				if spec == nil {
					continue
				}
				if pdfText(f.resolve(kv[i])) == name ||
					pdfText(f.resolve(spec["UF"])) == name ||
					pdfText(f.resolve(spec["F"])) == name {
					return spec
				}
			}
		}
		if kids, ok := f.resolve(n["Kids"]).(pdfArray); ok {
			for _, k := range kids {
				if s := walk(f.dict(k), depth+1); s != nil {
					return s
				}
			}
		}
		return nil
	}
	spec := walk(tree, 0)
	if spec == nil {
		return nil, ErrNoFile
	}
	ef := f.dict(spec["EF"])
	ref := ef["F"]
	if ref == nil {
		ref = ef["UF"]
	}
	data, err := f.streamData(ref, limit)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, name, err)
	}
	return data, nil
}

// streamData returns the decoded data of the stream v, at most limit bytes.
func (f *pdfFile) streamData(v any, limit int) ([]byte, error) {
	s, ok := f.resolve(v).(pdfStream)
	if !ok {
		return nil, errors.New("not a stream")
	}
	n, ok := f.resolve(s.dict["Length"]).(int64)
	if !ok || n < 0 || int64(s.off)+n > int64(len(f.data)) {
		return nil, errors.New("bad stream length")
	}
	raw := f.data[s.off : s.off+int(n)]
	filter := f.resolve(s.dict["Filter"])
	if a, ok := filter.(pdfArray); ok && len(a) == 1 {
		filter = f.resolve(a[0])
	}
	if _, ok := s.dict["DecodeParms"]; ok {
		return nil, errors.New("unsupported decode parameters")
	}
	switch filter {
	case nil:
		if len(raw) > limit {
			return nil, errors.New("too large")
		}
		return raw, nil
	case pdfName("FlateDecode"):
		zr, err := zlib.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, err
		}
		out, err := io.ReadAll(io.LimitReader(zr, int64(limit)+1))
		if err != nil {
			return nil, err
		}
		if len(out) > limit {
			return nil, errors.New("too large")
		}
		return out, nil
	}
	return nil, errors.New("unsupported filter")
}

// A small, strict, bounded reader for the PDF subset that kipass writes
// (gofpdf output plus pdfsign's incremental update: classic cross-reference
// tables, no object or xref streams, no encryption). Verify uses it only
// after the cheap checks have shown that a trusted key signed the whole
// file, to find the signature dictionary and the embedded file. It follows
// the tokenisation rules of github.com/digitorus/pdf (the reader behind
// pdfsign and many Go tools) closely, so that what it reads is what that
// reader sees; parse_test.go pins this on real certificates. Unlike that
// reader it bounds what a file may cost: see Limits.

// Limits for uploaded PDFs; kipass certificates use a small fraction.
const pdfMaxSections = 16 // xref sections (incremental updates)

type (
	pdfName    string
	pdfKeyword string
	pdfDict    map[pdfName]any
	pdfArray   []any
	pdfRef     struct {
		id  uint32
		gen uint16
	}
	// pdfString is a decoded string with its extent in the file.
	pdfString struct {
		s          string
		start, end int
	}
	pdfStream struct {
		dict pdfDict
		off  int // first byte of the stream data
	}
	pdfObjDef struct {
		ref pdfRef
		obj any
	}
)

var errPDFSyntax = errors.New("pdf syntax")

// pdfLexer reads tokens from b starting at pos. Objects are nil, bool,
// int64, float64, pdfString, pdfName, pdfKeyword, pdfDict, pdfArray,
// pdfRef, pdfStream, pdfObjDef.
type pdfLexer struct {
	b      []byte
	pos    int
	unread []any
	budget *budget // what the whole file may still cost, shared
}

// budget is what parsing one file may still spend: bytes lexed, tokens
// made, and the deepest nesting allowed.
type budget struct {
	bytes, tokens int
	depth         int
	objects       int
}

func newBudget(size int, lim Limits) *budget {
	return &budget{bytes: 4*size + 1<<20, tokens: lim.MaxTokens, depth: lim.MaxDepth, objects: lim.MaxObjects}
}

func pdfIsSpace(c byte) bool {
	switch c {
	case 0, '\t', '\n', '\f', '\r', ' ':
		return true
	}
	return false
}

func pdfIsDelim(c byte) bool {
	switch c {
	case '<', '>', '(', ')', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func (l *pdfLexer) readByte() (byte, error) {
	if l.pos >= len(l.b) {
		return 0, fmt.Errorf("%w: unexpected end of file", errPDFSyntax)
	}
	l.budget.bytes--
	if l.budget.bytes < 0 {
		return 0, fmt.Errorf("%w: too much to parse", errPDFSyntax)
	}
	c := l.b[l.pos]
	l.pos++
	return c, nil
}

func (l *pdfLexer) token() (any, error) {
	if n := len(l.unread); n > 0 {
		t := l.unread[n-1]
		l.unread = l.unread[:n-1]
		return t, nil
	}
	if l.budget.tokens--; l.budget.tokens < 0 {
		return nil, fmt.Errorf("%w: too many tokens", errPDFSyntax)
	}
	c, err := l.readByte()
	for err == nil {
		if pdfIsSpace(c) {
			c, err = l.readByte()
		} else if c == '%' {
			for err == nil && c != '\r' && c != '\n' {
				c, err = l.readByte()
			}
		} else {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	start := l.pos - 1
	switch c {
	case '<':
		if l.pos < len(l.b) && l.b[l.pos] == '<' {
			l.pos++
			return pdfKeyword("<<"), nil
		}
		return l.hexString(start)
	case '(':
		return l.literalString(start)
	case '[', ']', '{', '}':
		return pdfKeyword(string(c)), nil
	case '/':
		return l.name()
	case '>':
		if l.pos < len(l.b) && l.b[l.pos] == '>' {
			l.pos++
			return pdfKeyword(">>"), nil
		}
		return nil, fmt.Errorf("%w: unexpected '>'", errPDFSyntax)
	}
	if pdfIsDelim(c) {
		return nil, fmt.Errorf("%w: unexpected delimiter %q", errPDFSyntax, c)
	}
	l.pos--
	return l.keyword()
}

func (l *pdfLexer) hexString(start int) (any, error) {
	var out []byte
	for {
		c, err := l.readByte()
		for err == nil && pdfIsSpace(c) {
			c, err = l.readByte()
		}
		if err != nil {
			return nil, err
		}
		if c == '>' {
			return pdfString{string(out), start, l.pos}, nil
		}
		c2, err := l.readByte()
		for err == nil && pdfIsSpace(c2) {
			c2, err = l.readByte()
		}
		if err != nil {
			return nil, err
		}
		hi, lo := pdfUnhex(c), pdfUnhex(c2)
		if hi < 0 || lo < 0 {
			return nil, fmt.Errorf("%w: bad hex string", errPDFSyntax)
		}
		out = append(out, byte(hi<<4|lo))
	}
}

func pdfUnhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func (l *pdfLexer) literalString(start int) (any, error) {
	var out []byte
	depth := 1
	for {
		c, err := l.readByte()
		if err != nil {
			return nil, err
		}
		switch c {
		case '(':
			depth++
			out = append(out, c)
		case ')':
			if depth--; depth == 0 {
				return pdfString{string(out), start, l.pos}, nil
			}
			out = append(out, c)
		case '\\':
			c, err = l.readByte()
			if err != nil {
				return nil, err
			}
			switch c {
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 'b':
				out = append(out, '\b')
			case 't':
				out = append(out, '\t')
			case 'f':
				out = append(out, '\f')
			case '(', ')', '\\':
				out = append(out, c)
			case '\r':
				if l.pos < len(l.b) && l.b[l.pos] == '\n' {
					l.pos++
				}
			case '\n':
			case '0', '1', '2', '3', '4', '5', '6', '7':
				x := int(c - '0')
				for i := 0; i < 2 && l.pos < len(l.b) && l.b[l.pos] >= '0' && l.b[l.pos] <= '7'; i++ {
					x = x*8 + int(l.b[l.pos]-'0')
					l.pos++
				}
				if x > 255 {
					return nil, fmt.Errorf("%w: bad octal escape", errPDFSyntax)
				}
				out = append(out, byte(x))
			default:
				return nil, fmt.Errorf("%w: bad escape", errPDFSyntax)
			}
		default:
			out = append(out, c)
		}
	}
}

func (l *pdfLexer) name() (any, error) {
	var out []byte
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		if pdfIsDelim(c) || pdfIsSpace(c) {
			break
		}
		if _, err := l.readByte(); err != nil {
			return nil, err
		}
		if c == '#' {
			if l.pos+2 > len(l.b) {
				return nil, fmt.Errorf("%w: bad name", errPDFSyntax)
			}
			hi, lo := pdfUnhex(l.b[l.pos]), pdfUnhex(l.b[l.pos+1])
			if hi < 0 || lo < 0 {
				return nil, fmt.Errorf("%w: bad name", errPDFSyntax)
			}
			l.pos += 2
			c = byte(hi<<4 | lo)
		}
		out = append(out, c)
	}
	return pdfName(out), nil
}

func (l *pdfLexer) keyword() (any, error) {
	start := l.pos
	for l.pos < len(l.b) && !pdfIsDelim(l.b[l.pos]) && !pdfIsSpace(l.b[l.pos]) {
		if _, err := l.readByte(); err != nil {
			return nil, err
		}
	}
	s := string(l.b[start:l.pos])
	switch {
	case s == "true":
		return true, nil
	case s == "false":
		return false, nil
	case pdfIsNumber(s, false):
		x, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: bad integer", errPDFSyntax)
		}
		return x, nil
	case pdfIsNumber(s, true):
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: bad real", errPDFSyntax)
		}
		return x, nil
	}
	if s == "" {
		return nil, fmt.Errorf("%w: empty token", errPDFSyntax)
	}
	return pdfKeyword(s), nil
}

// pdfIsNumber reports whether s is an integer (real: with exactly one dot).
func pdfIsNumber(s string, wantReal bool) bool {
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	dots := 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '.':
			dots++
		case s[i] < '0' || s[i] > '9':
			return false
		}
	}
	if wantReal {
		return dots == 1
	}
	return dots == 0
}

// object reads one object the way digitorus/pdf's readObject does
// (including its "int int R" and "int int obj" look-ahead), at most
// the budget's depth levels deep.
func (l *pdfLexer) object(depth int) (any, error) {
	if depth > l.budget.depth {
		return nil, fmt.Errorf("%w: nested too deeply", errPDFSyntax)
	}
	tok, err := l.token()
	if err != nil {
		return nil, err
	}
	if kw, ok := tok.(pdfKeyword); ok {
		switch kw {
		case "null":
			return nil, nil
		case "endobj":
			l.unread = append(l.unread, tok)
			return nil, nil
		case "<<":
			return l.dict(depth + 1)
		case "[":
			return l.array(depth + 1)
		}
		return nil, fmt.Errorf("%w: unexpected keyword %.20q", errPDFSyntax, string(kw))
	}
	t1, ok := tok.(int64)
	if !ok || int64(uint32(t1)) != t1 {
		return tok, nil
	}
	tok2, err := l.token()
	if err != nil {
		return nil, err
	}
	if t2, ok := tok2.(int64); ok && int64(uint16(t2)) == t2 {
		tok3, err := l.token()
		if err != nil {
			return nil, err
		}
		switch tok3 {
		case pdfKeyword("R"):
			return pdfRef{uint32(t1), uint16(t2)}, nil
		case pdfKeyword("obj"):
			obj, err := l.object(depth + 1)
			if err != nil {
				return nil, err
			}
			if _, ok := obj.(pdfStream); !ok {
				end, err := l.token()
				if err != nil {
					return nil, err
				}
				if end != pdfKeyword("endobj") {
					return nil, fmt.Errorf("%w: missing endobj", errPDFSyntax)
				}
			}
			return pdfObjDef{pdfRef{uint32(t1), uint16(t2)}, obj}, nil
		}
		l.unread = append(l.unread, tok3)
	}
	l.unread = append(l.unread, tok2)
	return tok, nil
}

func (l *pdfLexer) array(depth int) (any, error) {
	var a pdfArray
	for {
		tok, err := l.token()
		if err != nil {
			return nil, err
		}
		if tok == pdfKeyword("]") {
			return a, nil
		}
		if tok == pdfKeyword("endobj") {
			// digitorus/pdf loops forever here, reading null after null.
			return nil, fmt.Errorf("%w: unterminated array", errPDFSyntax)
		}
		l.unread = append(l.unread, tok)
		v, err := l.object(depth)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
	}
}

func (l *pdfLexer) dict(depth int) (any, error) {
	d := pdfDict{}
	for {
		tok, err := l.token()
		if err != nil {
			return nil, err
		}
		if tok == pdfKeyword(">>") {
			break
		}
		k, ok := tok.(pdfName)
		if !ok {
			return nil, fmt.Errorf("%w: dictionary key is not a name", errPDFSyntax)
		}
		v, err := l.object(depth)
		if err != nil {
			return nil, err
		}
		d[k] = v
	}
	tok, err := l.token()
	if err != nil {
		return nil, err
	}
	if tok != pdfKeyword("stream") {
		l.unread = append(l.unread, tok)
		return d, nil
	}
	c, err := l.readByte()
	if err == nil && c == '\r' {
		if l.pos < len(l.b) && l.b[l.pos] == '\n' {
			l.pos++
		}
	} else if err != nil || c != '\n' {
		return nil, fmt.Errorf("%w: stream keyword not followed by newline", errPDFSyntax)
	}
	return pdfStream{d, l.pos}, nil
}

// pdfFile is a parsed PDF: its newest trailer and every object in use.
type pdfFile struct {
	data    []byte
	trailer pdfDict
	objects map[uint32]pdfObjDef
}

// parsePDF reads a PDF with classic cross-reference tables strictly and
// within the limits above. Anything else (xref streams, encryption, bad
// offsets, objects that do not parse) is an error.
func parsePDF(data []byte, lim Limits) (*pdfFile, error) {
	budget := newBudget(len(data), lim)
	startxref, err := pdfStartXref(data)
	if err != nil {
		return nil, err
	}
	type entry struct {
		off int
		gen uint16
	}
	var table []entry // index = object number; off 0 = not in use
	var newest pdfDict
	seen := map[int]bool{}
	for off, n := startxref, 0; ; n++ {
		if n >= pdfMaxSections || seen[off] {
			return nil, fmt.Errorf("%w: too many or looping xref sections", errPDFSyntax)
		}
		seen[off] = true
		trailer, err := pdfReadXrefSection(data, off, budget, func(id, off int, gen uint16) {
			for len(table) <= id {
				table = append(table, entry{})
			}
			if table[id].off == 0 {
				table[id] = entry{off, gen}
			}
		})
		if err != nil {
			return nil, err
		}
		if newest == nil {
			newest = trailer
		}
		if _, ok := trailer["Encrypt"]; ok {
			return nil, fmt.Errorf("%w: encrypted PDF", errPDFSyntax)
		}
		if _, ok := trailer["XRefStm"]; ok {
			return nil, fmt.Errorf("%w: hybrid cross-reference stream", errPDFSyntax)
		}
		prev, ok := trailer["Prev"]
		if !ok {
			break
		}
		p, ok := prev.(int64)
		if !ok || p <= 0 || p >= int64(len(data)) {
			return nil, fmt.Errorf("%w: bad /Prev", errPDFSyntax)
		}
		off = int(p)
	}
	size, ok := newest["Size"].(int64)
	if !ok || size < 0 {
		return nil, fmt.Errorf("%w: trailer without /Size", errPDFSyntax)
	}
	if size < int64(len(table)) {
		table = table[:size]
	}
	f := &pdfFile{data: data, trailer: newest, objects: make(map[uint32]pdfObjDef, len(table))}
	for id, e := range table {
		if e.off == 0 {
			continue
		}
		l := &pdfLexer{b: data, pos: e.off, budget: budget}
		obj, err := l.object(0)
		if err != nil {
			return nil, fmt.Errorf("object %d: %w", id, err)
		}
		def, ok := obj.(pdfObjDef)
		if !ok || def.ref != (pdfRef{uint32(id), e.gen}) {
			return nil, fmt.Errorf("%w: xref entry %d does not point to its object", errPDFSyntax, id)
		}
		f.objects[uint32(id)] = def
	}
	return f, nil
}

// pdfStartXref finds the offset after the final "startxref". The file must
// end in "startxref <offset> %%EOF" (and line ends), so that every reader
// finds the same cross-reference table.
func pdfStartXref(data []byte) (int, error) {
	end := len(data)
	for end > 0 && pdfIsSpace(data[end-1]) {
		end--
	}
	if !bytes.HasSuffix(data[:end], []byte("%%EOF")) {
		return 0, fmt.Errorf("%w: does not end in %%%%EOF", errPDFSyntax)
	}
	end -= len("%%EOF")
	for end > 0 && pdfIsSpace(data[end-1]) {
		end--
	}
	digits := end
	for digits > 0 && end-digits < 10 && data[digits-1] >= '0' && data[digits-1] <= '9' {
		digits--
	}
	if digits == end || digits == 0 || !pdfIsSpace(data[digits-1]) {
		return 0, fmt.Errorf("%w: no startxref offset", errPDFSyntax)
	}
	off, _ := strconv.Atoi(string(data[digits:end]))
	kw := digits
	for kw > 0 && pdfIsSpace(data[kw-1]) {
		kw--
	}
	// digitorus/pdf looks for "startxref" alone on its line: so must we,
	// or it could pick an earlier one than we checked.
	at := kw - len("startxref")
	if at < 1 || !bytes.Equal(data[at:kw], []byte("startxref")) ||
		(data[at-1] != '\n' && data[at-1] != '\r') || (data[kw] != '\n' && data[kw] != '\r') {
		return 0, fmt.Errorf("%w: no startxref", errPDFSyntax)
	}
	if off <= 0 || off >= len(data) {
		return 0, fmt.Errorf("%w: startxref out of range", errPDFSyntax)
	}
	return off, nil
}

// pdfReadXrefSection reads the classic xref table at off, in its strict
// form (subsection headers, then 20-byte entries), calls use for each
// entry in use, and returns the trailer dictionary after it.
func pdfReadXrefSection(data []byte, off int, budget *budget, use func(id, off int, gen uint16)) (pdfDict, error) {
	p := off
	line := func() (string, bool) {
		i := p
		for i < len(data) && data[i] != '\n' && data[i] != '\r' {
			i++
		}
		if i >= len(data) || i-p > 40 {
			return "", false
		}
		s := string(data[p:i])
		p = i + 1
		if data[i] == '\r' && p < len(data) && data[p] == '\n' {
			p++
		}
		return s, true
	}
	if s, ok := line(); !ok || s != "xref" {
		return nil, fmt.Errorf("%w: no classic xref table at startxref (cross-reference streams are not supported)", errPDFSyntax)
	}
	for {
		for p < len(data) && pdfIsSpace(data[p]) {
			p++
		}
		if bytes.HasPrefix(data[p:], []byte("trailer")) {
			l := &pdfLexer{b: data, pos: p + len("trailer"), budget: budget}
			if p+len("trailer") >= len(data) || !pdfIsSpace(data[p+len("trailer")]) {
				return nil, fmt.Errorf("%w: bad trailer keyword", errPDFSyntax)
			}
			t, err := l.object(0)
			if err != nil {
				return nil, fmt.Errorf("trailer: %w", err)
			}
			d, ok := t.(pdfDict)
			if !ok {
				return nil, fmt.Errorf("%w: trailer is not a dictionary", errPDFSyntax)
			}
			return d, nil
		}
		s, ok := line()
		if !ok {
			return nil, fmt.Errorf("%w: bad xref subsection", errPDFSyntax)
		}
		var start, count int
		if n, err := fmt.Sscanf(s, "%d %d", &start, &count); n != 2 || err != nil ||
			start < 0 || count < 0 || start+count > budget.objects || s != strconv.Itoa(start)+" "+strconv.Itoa(count) {
			return nil, fmt.Errorf("%w: bad or oversized xref subsection %.40q", errPDFSyntax, s)
		}
		if p+20*count > len(data) {
			return nil, fmt.Errorf("%w: truncated xref table", errPDFSyntax)
		}
		for i := 0; i < count; i++ {
			e := data[p : p+20]
			p += 20
			if !pdfXrefEntryOK(e) {
				return nil, fmt.Errorf("%w: bad xref entry", errPDFSyntax)
			}
			if e[17] == 'f' {
				continue
			}
			o, _ := strconv.Atoi(string(e[:10]))
			g, _ := strconv.Atoi(string(e[11:16]))
			if o <= 0 || o >= len(data) || g > 65535 {
				return nil, fmt.Errorf("%w: xref offset out of range", errPDFSyntax)
			}
			use(start+i, o, uint16(g))
		}
	}
}

// pdfXrefEntryOK checks "nnnnnnnnnn ggggg n" plus a two-byte line end.
func pdfXrefEntryOK(e []byte) bool {
	for i, c := range e[:16] {
		if i == 10 {
			if c != ' ' {
				return false
			}
			continue
		}
		if c < '0' || c > '9' {
			return false
		}
	}
	if e[16] != ' ' || (e[17] != 'n' && e[17] != 'f') {
		return false
	}
	eol := string(e[18:20])
	return eol == " \n" || eol == " \r" || eol == "\r\n"
}

// resolve follows a reference, and a reference to a reference, up to
// eight steps (a cycle gives nil).
func (f *pdfFile) resolve(v any) any {
	for range 8 {
		r, ok := v.(pdfRef)
		if !ok {
			return v
		}
		def, ok := f.objects[r.id]
		if !ok || def.ref.gen != r.gen {
			return nil
		}
		v = def.obj
	}
	return nil
}

func (f *pdfFile) dict(v any) pdfDict {
	switch d := f.resolve(v).(type) {
	case pdfDict:
		return d
	case pdfStream:
		return d.dict
	}
	return nil
}

// pdfText decodes a PDF text string: UTF-16BE with a byte order mark, else
// PDFDocEncoding, read as Latin-1 (exact for ASCII).
func pdfText(v any) string {
	s, ok := v.(pdfString)
	if !ok {
		return ""
	}
	b := []byte(s.s)
	if len(b) >= 2 && b[0] == 0xfe && b[1] == 0xff {
		u := make([]uint16, 0, len(b)/2)
		for i := 2; i+1 < len(b); i += 2 {
			u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
		}
		return string(utf16.Decode(u))
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}
