package courses

import (
	"bytes"
	"fmt"
	"html"
	"html/template"
	"strconv"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// newMarkdown returns the converter for one Load: CommonMark with GFM tables,
// strikethrough, linkify and task lists, typographic quotes and dashes, and
// automatic heading ids. Raw HTML stays off (goldmark's default without
// html.WithUnsafe): it is replaced by a comment, and javascript:, vbscript:,
// file: and data: links lose their href.
func newMarkdown() goldmark.Markdown {
	return goldmark.New(
		goldmark.WithExtensions(extension.GFM, extension.Typographer),
		goldmark.WithParserOptions(
			parser.WithAutoHeadingID(),
			parser.WithASTTransformers(util.Prioritized(externalLinks{}, 100)),
		),
		goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(figureRenderer{}, 100))),
	)
}

// kindFigure is the node kind of an illustration on a line of its own.
var kindFigure = ast.NewNodeKind("Figure")

// figure is an illustration: a paragraph that held only ![alt](file.svg
// "caption"), replaced after Load checked the file.
type figure struct {
	ast.BaseBlock
	src, alt, caption string
	width, height     int
}

func (f *figure) Kind() ast.NodeKind { return kindFigure }

func (f *figure) Dump(source []byte, level int) { ast.DumpHelper(f, source, level, nil, nil) }

// figureRenderer writes a figure as <figure><img ...><figcaption>: width and
// height let the browser reserve the room before the picture arrives (the
// stylesheet scales it down to the column), lazy loading keeps pictures
// below the fold off the first paint.
type figureRenderer struct{}

func (figureRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(kindFigure, func(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		f := n.(*figure)
		fmt.Fprintf(w, "<figure class=\"illustration\"><img src=\"%s\" alt=\"%s\" width=\"%d\" height=\"%d\" loading=\"lazy\" decoding=\"async\">",
			html.EscapeString(f.src), html.EscapeString(f.alt), f.width, f.height)
		if f.caption != "" {
			fmt.Fprintf(w, "<figcaption>%s</figcaption>", html.EscapeString(f.caption))
		}
		w.WriteString("</figure>\n")
		return ast.WalkSkipChildren, nil
	})
}

// externalLinks marks links to other sites with rel="noopener noreferrer", so a
// linked page learns neither the referring URL nor gets a handle on the window.
type externalLinks struct{}

func (externalLinks) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		var dest []byte
		switch link := n.(type) {
		case *ast.Link:
			dest = link.Destination
		case *ast.AutoLink:
			dest = link.URL(reader.Source())
		default:
			return ast.WalkContinue, nil
		}
		lower := bytes.ToLower(bytes.TrimSpace(dest))
		if bytes.HasPrefix(lower, []byte("http://")) || bytes.HasPrefix(lower, []byte("https://")) {
			n.SetAttributeString("rel", []byte("noopener noreferrer"))
		}
		return ast.WalkContinue, nil
	})
}

// rendered is a markdown body turned into HTML, with its table of contents.
type rendered struct {
	html     template.HTML
	toc      []Heading
	examples []example // the block quotes, as plain text (file is left empty)
}

// render converts a module body. The body starts on line firstLine of file, so
// problems carry the line in the .md file. The rendered HTML is safe to put
// into a page as is: the source cannot add tags, attributes or script URLs.
func (l *loader) render(file string, body []byte, firstLine int) rendered {
	if len(bytes.TrimSpace(body)) == 0 {
		l.add(file, firstLine, "empty body: the module text follows the front matter")
		return rendered{}
	}
	ctx := parser.NewContext(parser.WithIDs(&headingIDs{used: map[string]bool{}}))
	doc := l.md.Parser().Parse(text.NewReader(body), parser.WithContext(ctx))

	var out rendered
	var images []*ast.Image
	prev := 1 // the page title is the h1
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if img, ok := n.(*ast.Image); ok && entering {
			images = append(images, img)
			return ast.WalkSkipChildren, nil
		}
		if q, ok := n.(*ast.Blockquote); ok && entering && q.FirstChild() != nil {
			line := firstLine + bytes.Count(body[:nodeStart(q.FirstChild())], []byte("\n"))
			out.examples = append(out.examples, example{line: line, text: plainText(q, body)})
			return ast.WalkContinue, nil // headings inside are checked like any other
		}
		h, ok := n.(*ast.Heading)
		if !entering || !ok {
			return ast.WalkContinue, nil
		}
		line := firstLine + bytes.Count(body[:nodeStart(h)], []byte("\n"))
		switch {
		case h.Level == 1:
			l.add(file, line, "h1 (#) in the body: the title comes from the front matter, sections start with ##")
		case h.Level > prev+1:
			l.add(file, line, "heading level skips from h%d to h%d: use %s here", prev, h.Level, strings.Repeat("#", prev+1))
		}
		prev = h.Level
		if h.Level == 2 || h.Level == 3 {
			id, _ := h.AttributeString("id")
			idBytes, _ := id.([]byte)
			out.toc = append(out.toc, Heading{ID: string(idBytes), Text: plainText(h, body), Level: h.Level})
		}
		return ast.WalkSkipChildren, nil
	})

	for _, img := range images {
		l.figure(file, body, firstLine, img)
	}

	var buf bytes.Buffer
	if err := l.md.Renderer().Render(&buf, body, doc); err != nil {
		l.add(file, firstLine, "rendering markdown: %v", err)
	}
	out.html = template.HTML(buf.String()) // safe: goldmark escapes text and drops raw HTML
	return out
}

// figure checks an image of a module text and puts a figure in place of the
// paragraph that holds it; a problem leaves the image out of the page.
func (l *loader) figure(file string, body []byte, firstLine int, img *ast.Image) {
	para := img.Parent()
	line := firstLine
	if para != nil {
		line += bytes.Count(body[:nodeStart(para)], []byte("\n"))
	}
	alt := plainText(img, body)
	dest := string(img.Destination)
	defer func() { // whatever happens, no raw <img> reaches the page
		if img.Parent() != nil {
			img.Parent().RemoveChild(img.Parent(), img)
		}
	}()
	if _, ok := para.(*ast.Paragraph); !ok || para.ChildCount() != 1 {
		l.add(file, line, "image %q: put an illustration in a paragraph of its own (an empty line before and after)", dest)
		return
	}
	if strings.TrimSpace(alt) == "" {
		l.add(file, line, "image %q: the alt text is empty: describe what the illustration shows, ![description](%s)", dest, dest)
		return
	}
	if l.mod == nil {
		l.add(file, line, "image %q: illustrations belong in module texts", dest)
		return
	}
	md := l.media(l.mod, l.modFolder, file, line, dest)
	if md == nil {
		return
	}
	f := &figure{src: MediaURL(l.courseID, l.mod.ID, md), alt: alt, caption: strings.TrimSpace(string(img.Title)), width: md.Width, height: md.Height}
	para.Parent().ReplaceChild(para.Parent(), para, f)
}

// nodeStart returns the byte offset where a block node starts in the source.
func nodeStart(n ast.Node) int {
	if p := n.Pos(); p >= 0 {
		return p
	}
	if lines := n.Lines(); lines.Len() > 0 {
		return lines.At(0).Start
	}
	return 0
}

// plainText returns the text of n without markup, with typographic
// substitutions as characters.
func plainText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.Text:
			b.Write(c.Segment.Value(src))
			if c.SoftLineBreak() || c.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			if c.IsCode() {
				b.WriteString(html.UnescapeString(string(c.Value)))
			} else {
				b.Write(c.Value)
			}
		case *ast.AutoLink:
			b.Write(c.Label(src))
		}
		return ast.WalkContinue, nil
	})
	return strings.TrimSpace(b.String())
}

// headingIDs makes heading ids for one document: lower-case ASCII words joined
// by hyphens, German umlauts spelt out ("Übersicht" -> "uebersicht"), a number
// appended when an id repeats.
type headingIDs struct{ used map[string]bool }

var _ parser.IDs = (*headingIDs)(nil)

func (s *headingIDs) Generate(value []byte, _ ast.NodeKind) []byte {
	var b strings.Builder
	gap := false
	for _, r := range strings.ToLower(string(value)) {
		word := ""
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			word = string(r)
		case r == 'ä':
			word = "ae"
		case r == 'ö':
			word = "oe"
		case r == 'ü':
			word = "ue"
		case r == 'ß':
			word = "ss"
		default:
			gap = true
			continue
		}
		if gap && b.Len() > 0 {
			b.WriteByte('-')
		}
		gap = false
		b.WriteString(word)
	}
	id := b.String()
	if id == "" {
		id = "section"
	}
	unique := id
	for i := 2; s.used[unique]; i++ {
		unique = id + "-" + strconv.Itoa(i)
	}
	s.used[unique] = true
	return []byte(unique)
}

func (s *headingIDs) Put(value []byte) { s.used[string(value)] = true }
