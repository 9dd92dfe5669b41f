package courses

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/yuin/goldmark"
	"go.yaml.in/yaml/v3"

	"kipass/quiz"
)

// Problem is one thing wrong in a content folder.
type Problem struct {
	// File is the path relative to the content folder,
	// e.g. "ki-am-arbeitsplatz/dsgvo-grundlagen/questions.yaml".
	File string
	// Line is the 1-based line in File, or 0 when the problem concerns the whole file.
	Line int
	// Message says what is wrong, in English.
	Message string
	// Rule names the item-writing lint that found the problem (see Lint), or
	// is empty for a problem of the format that Load refuses.
	Rule string
}

// String returns the problem as "file:line: message" ("file: message" without
// a line); a lint problem reads "file:line: rule: message".
func (p Problem) String() string {
	msg := p.Message
	if p.Rule != "" {
		msg = p.Rule + ": " + msg
	}
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, msg)
	}
	return p.File + ": " + msg
}

// Problems is the error Load returns: every problem found, one per line.
type Problems []Problem

// Error lists the problems as "file:line: message", one per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Load reads every course in fsys: each folder of the root that holds a
// course.yaml is a course (other files and folders are ignored). It parses all
// files and renders all markdown once. When anything is wrong it returns no
// catalogue and a Problems error listing every problem that Check finds.
func Load(fsys fs.FS) (*Catalog, error) {
	cat, problems := load(fsys)
	if len(problems) > 0 {
		return nil, Problems(problems)
	}
	return cat, nil
}

// Check reports every problem in the content folder fsys, sorted by file and
// line; none means Load succeeds.
func Check(fsys fs.FS) []Problem {
	_, problems := load(fsys)
	return problems
}

// loader holds the state of one Load: the markdown converter, the files read
// and the problems found so far.
type loader struct {
	fsys     fs.FS
	md       goldmark.Markdown
	files    map[string][]byte // read once while hashing, so parsing sees the hashed bytes
	problems []Problem

	// The module whose text is being rendered, for its illustrations; mod is
	// nil outside a module text.
	courseID, modFolder string
	mod                 *Module
	referenced          map[string]bool // illustration files a text references, checked or not
}

func (l *loader) add(file string, line int, format string, args ...any) {
	l.problems = append(l.problems, Problem{File: file, Line: line, Message: fmt.Sprintf(format, args...)})
}

func load(fsys fs.FS) (*Catalog, []Problem) {
	l := &loader{fsys: fsys, md: newMarkdown(), files: map[string][]byte{}, referenced: map[string]bool{}}
	cat := &Catalog{byID: map[string]*Course{}}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		l.add(".", 0, "reading the content folder: %v", err)
	}
	if _, err := fs.Stat(fsys, "course.yaml"); err == nil {
		l.add("course.yaml", 0, "course.yaml at the top: pass the folder that holds the course folders, not a course folder")
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if _, err := fs.Stat(fsys, path.Join(e.Name(), "course.yaml")); err != nil {
			continue // not a course folder
		}
		if c := l.course(e.Name()); c != nil {
			cat.Courses = append(cat.Courses, c)
			cat.byID[c.ID] = c
		}
	}
	if len(cat.Courses) == 0 && len(l.problems) == 0 {
		l.add(".", 0, "no course found: a course is a folder with a course.yaml")
	}
	if len(l.problems) > 0 {
		slices.SortStableFunc(l.problems, func(a, b Problem) int {
			return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
		})
		return nil, l.problems
	}
	return cat, nil
}

// version reads every file of the course folder dir into l.files and returns
// "sha256:" + the hex SHA-256 of the manifest: one line
// "<hex sha256 of the content>  <path relative to dir>\n" per file, sorted by path.
func (l *loader) version(dir string) string {
	var lines []string
	err := fs.WalkDir(l.fsys, dir, func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(l.fsys, name)
		if err != nil {
			return err
		}
		l.files[name] = b
		lines = append(lines, fmt.Sprintf("%x  %s\n", sha256.Sum256(b), strings.TrimPrefix(name, dir+"/")))
		return nil
	})
	if err != nil {
		l.add(dir, 0, "reading the course folder: %v", err)
	}
	slices.SortFunc(lines, func(a, b string) int { return strings.Compare(a[66:], b[66:]) })
	return fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(strings.Join(lines, ""))))
}

var validLang = regexp.MustCompile(`^[a-z]{2,3}(-[A-Z]{2})?$`)

// course reads the course in folder dir.
func (l *loader) course(dir string) *Course {
	file := path.Join(dir, "course.yaml")
	c := &Course{ID: dir, Version: l.version(dir), modules: map[string]*Module{}, questions: map[string]quiz.Question{},
		objective: map[string]int{}, pos: map[string]questionPos{}, Allow: map[string]string{}, file: file}
	root := l.yamlDoc(file, l.files[file], 0)
	if root == nil {
		return nil
	}
	o := l.obj(file, "", root, "id", "title", "description", "certificate_title", "languages",
		"pass_percent", "quiz_questions", "validity_months", "exam", "lint", "modules")
	if o == nil {
		return nil
	}
	if id := o.id("id"); id != "" && id != dir {
		o.errorf(o.vals["id"].Line, "id %q does not match the folder name %q", id, dir)
	}
	for _, item := range o.list("languages", true) {
		switch {
		case item.Kind != yaml.ScalarNode || !validLang.MatchString(item.Value):
			o.errorf(item.Line, "languages: %s is not a language code such as de or en", describe(item))
		case slices.Contains(c.Languages, item.Value):
			o.errorf(item.Line, "languages: %s listed twice", item.Value)
		default:
			c.Languages = append(c.Languages, item.Value)
		}
	}
	c.Title = o.text("title", c.Languages)
	if o.get("description", false) != nil {
		c.Description = o.text("description", c.Languages)
	}
	c.CertificateTitle = c.Title
	if o.get("certificate_title", false) != nil {
		c.CertificateTitle = o.text("certificate_title", c.Languages)
	}
	c.PassPercent, _ = o.intMin("pass_percent", 1, 100)
	c.QuizQuestions, _ = o.intMin("quiz_questions", 1, 0)
	c.ValidityMonths, _ = o.intMin("validity_months", 1, 0)
	c.modulesLine = o.line("modules")
	var examLine, minLine int
	if v := o.get("exam", true); v != nil {
		c.examLine = o.line("exam")
		if e := l.obj(file, "exam", v, "questions", "min_per_module", "pass_percent", "minutes"); e != nil {
			c.Exam.Questions, examLine = e.intMin("questions", 1, 0)
			c.Exam.MinPerModule, minLine = e.intMin("min_per_module", 0, 0)
			c.Exam.PassPercent, _ = e.intMin("pass_percent", 1, 100)
			c.Exam.Minutes, _ = e.intMin("minutes", 1, 0)
		}
	}
	if v := o.get("lint", false); v != nil {
		l.lintAllow(c, file, v)
	}

	// The modules, in the order listed; every listed module has a folder and
	// every folder is listed.
	listed := map[string]bool{}
	seen := map[string]string{} // question id -> "file:line" of its first use
	type pools struct{ quiz, exam *pool }
	var read []pools
	allPools := true
	for _, item := range o.list("modules", true) {
		id := item.Value
		switch {
		case item.Kind != yaml.ScalarNode || !validID.MatchString(id):
			o.errorf(item.Line, "modules: %s is not a module id (lower-case letters, digits, - and _)", describe(item))
			allPools = false
			continue
		case listed[id]:
			o.errorf(item.Line, "modules: %s listed twice", id)
			continue
		case ReservedModuleID(id):
			o.errorf(item.Line, "modules: %s is reserved for the course's own pages (/courses/COURSE/%s); rename the module", id, id)
			allPools = false
			continue
		}
		listed[id] = true
		if info, err := fs.Stat(l.fsys, path.Join(dir, id)); err != nil || !info.IsDir() {
			o.errorf(item.Line, "module %s is listed but the folder %s/ does not exist", id, path.Join(dir, id))
			allPools = false
			continue
		}
		m, quizPool, examPool := l.module(c, path.Join(dir, id), len(c.Modules), seen)
		c.Modules = append(c.Modules, m)
		c.modules[id] = m
		if quizPool == nil {
			allPools = false
		}
		read = append(read, pools{quizPool, examPool})
	}
	if entries, err := fs.ReadDir(l.fsys, dir); err == nil {
		for _, e := range entries {
			if e.IsDir() && !listed[e.Name()] {
				o.errorf(o.line("modules"), "folder %s/ is not listed in modules", path.Join(dir, e.Name()))
			}
		}
	}

	// The exam draws from the exam pools once any module has one (then every
	// module needs one), otherwise from the module pools as before.
	withExam := 0
	for _, p := range read {
		if p.exam != nil {
			withExam++
		}
	}
	examTotal, source := 0, "module pools"
	if withExam > 0 {
		source = "exam pools (exam.yaml)"
	}
	for i, p := range read {
		if p.quiz != nil && p.quiz.size < c.QuizQuestions {
			l.add(p.quiz.file, p.quiz.line, "the pool has %d questions, fewer than quiz_questions (%d) in %s", p.quiz.size, c.QuizQuestions, file)
		}
		drawn := p.quiz
		if withExam > 0 {
			drawn = p.exam
			if p.exam == nil && p.quiz != nil {
				l.add(path.Join(dir, c.Modules[i].ID, "exam.yaml"), 0,
					"missing: other modules of the course have an exam pool (exam.yaml), so every module needs one")
				allPools = false
			}
		}
		if drawn == nil {
			continue
		}
		examTotal += drawn.size
		if drawn.size < c.Exam.MinPerModule {
			l.add(drawn.file, drawn.line, "the pool has %d questions, fewer than exam min_per_module (%d) in %s", drawn.size, c.Exam.MinPerModule, file)
		}
	}
	if allPools && c.Exam.Questions > examTotal {
		l.add(file, examLine, "exam questions (%d) exceed the %d questions of all %s", c.Exam.Questions, examTotal, source)
	}
	if n := c.Exam.MinPerModule * len(c.Modules); c.Exam.Questions > 0 && n > c.Exam.Questions {
		l.add(file, minLine, "exam min_per_module (%d) times %d modules is %d, more than exam questions (%d)",
			c.Exam.MinPerModule, len(c.Modules), n, c.Exam.Questions)
	}

	for _, m := range c.Modules {
		for _, q := range m.Questions {
			c.questions[q.ID] = q
			c.all = append(c.all, q)
		}
		for _, q := range m.ExamQuestions {
			c.questions[q.ID] = q
			c.exam = append(c.exam, q)
		}
	}
	return c
}

// lintAllow reads course.yaml's lint: {allow: [{rule, reason}]}: the lint
// rules the course opts out of. A reason is required, so that whoever reads
// the course file later knows why the rule does not apply.
func (l *loader) lintAllow(c *Course, file string, v *yaml.Node) {
	lo := l.obj(file, "lint", v, "allow")
	if lo == nil {
		return
	}
	for _, item := range lo.list("allow", true) {
		a := l.obj(file, "lint: allow", item, "rule", "reason")
		if a == nil {
			continue
		}
		rule := a.str("rule", true)
		if rule == "" {
			continue
		}
		line := a.vals["rule"].Line
		switch {
		case !slices.Contains(LintRules(), rule):
			a.errorf(line, "unknown rule %q (rules: %s)", rule, strings.Join(LintRules(), ", "))
		case c.Allow[rule] != "":
			a.errorf(line, "rule %s listed twice", rule)
		}
		v := a.scalar("reason", false)
		if v == nil || strings.TrimSpace(v.Value) == "" {
			a.errorf(line, "rule %s needs a reason: say why the rule does not fit this course", rule)
			continue
		}
		c.Allow[rule] = strings.TrimSpace(v.Value)
	}
}

// pool says where a module's question pool stands and how large it is.
type pool struct {
	file       string
	line, size int
}

// module reads the module in folder: one text per language, the question
// pool and the optional exam pool. A pool is nil when its file could not be
// read (or, for the exam pool, does not exist).
func (l *loader) module(c *Course, folder string, index int, seen map[string]string) (m *Module, quizPool, examPool *pool) {
	m = &Module{
		ID: path.Base(folder), Index: index, Title: quiz.Text{},
		Minutes: map[string]int{}, Objectives: map[string][]string{}, Summary: map[string][]string{},
		HTML: map[string]template.HTML{}, TOC: map[string][]Heading{}, examples: map[string][]example{},
		Media: map[string]*Media{},
	}
	l.courseID, l.mod, l.modFolder = c.ID, m, folder
	for _, lang := range c.Languages {
		l.moduleText(m, path.Join(folder, lang+".md"), lang)
	}
	l.mod = nil
	l.unusedMedia(folder)
	file := path.Join(folder, "questions.yaml")
	if _, ok := l.files[file]; !ok {
		l.add(file, 0, "missing: every module needs a question pool")
	} else {
		m.Questions, quizPool = l.pool(c, m, file, seen)
		if quizPool != nil {
			m.quizPool = *quizPool
		}
	}
	if file := path.Join(folder, "exam.yaml"); l.files[file] != nil {
		m.ExamQuestions, examPool = l.pool(c, m, file, seen)
		if examPool == nil { // unreadable: still counts as present
			examPool = &pool{file: file}
		}
	}
	return m, quizPool, examPool
}

// pool reads a questions.yaml or exam.yaml of module m.
func (l *loader) pool(c *Course, m *Module, file string, seen map[string]string) ([]quiz.Question, *pool) {
	root := l.yamlDoc(file, l.files[file], 0)
	if root == nil {
		return nil, nil
	}
	o := l.obj(file, "", root, "questions")
	if o == nil {
		return nil, nil
	}
	items := o.list("questions", true)
	if items == nil {
		return nil, nil
	}
	var qs []quiz.Question
	for _, item := range items {
		if q, ok := l.question(c, m, file, item, seen); ok {
			q.Module = m.ID
			qs = append(qs, q)
		}
	}
	return qs, &pool{file: file, line: o.line("questions"), size: len(items)}
}

// moduleText reads one language's .md file of m: front matter, then body.
func (l *loader) moduleText(m *Module, file, lang string) {
	src, ok := l.files[file]
	if !ok {
		l.add(file, 0, "missing: the course's languages include %s, so every module needs %s.md", lang, lang)
		return
	}
	front, body, bodyLine, ok := splitFrontMatter(src)
	if !ok {
		l.add(file, 1, "no front matter: the file starts with a line ---, then id, title, minutes, objectives and summary, then a line ---")
		return
	}
	if root := l.yamlDoc(file, front, 1); root != nil {
		if o := l.obj(file, "", root, "id", "title", "minutes", "objectives", "summary"); o != nil {
			if id := o.str("id", true); id != "" && id != m.ID {
				o.errorf(o.vals["id"].Line, "id %q does not match the folder name %q", id, m.ID)
			}
			if title := o.str("title", true); title != "" {
				m.Title[lang] = title
			}
			m.Minutes[lang], _ = o.intMin("minutes", 1, 0)
			m.Objectives[lang] = o.strs("objectives", true)
			m.Summary[lang] = o.strs("summary", false)
		}
	}
	r := l.render(file, body, bodyLine)
	m.HTML[lang], m.TOC[lang] = r.html, r.toc
	for _, e := range r.examples {
		e.file = file
		m.examples[lang] = append(m.examples[lang], e)
	}
}

// splitFrontMatter splits an .md file into the YAML between its first two
// "---" lines (which starts on line 2) and the body, which starts on bodyLine.
func splitFrontMatter(src []byte) (front, body []byte, bodyLine int, ok bool) {
	src = bytes.TrimPrefix(src, []byte("\ufeff"))
	src = bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))
	lines := bytes.SplitAfter(src, []byte("\n"))
	isFence := func(line []byte) bool { return string(bytes.TrimRight(line, " \t\n")) == "---" }
	if !isFence(lines[0]) {
		return nil, nil, 0, false
	}
	end := len(lines[0])
	for i := 1; i < len(lines); i++ {
		if isFence(lines[i]) {
			return src[len(lines[0]):end], src[end+len(lines[i]):], i + 2, true
		}
		end += len(lines[i])
	}
	return nil, nil, 0, false
}

// question reads one question of module m's pool and checks its answer key
// and its objective.
func (l *loader) question(c *Course, m *Module, file string, n *yaml.Node, seen map[string]string) (quiz.Question, bool) {
	o := l.obj(file, "", n, "id", "type", "text", "options", "explanation", "objective")
	if o == nil {
		return quiz.Question{}, false
	}
	q := quiz.Question{ID: o.id("id")}
	if q.ID != "" {
		o.where = fmt.Sprintf("question %q", q.ID)
		line := o.vals["id"].Line
		if first, dup := seen[q.ID]; dup {
			o.errorf(line, "duplicate question id (first at %s); ids are unique within the course", first)
		} else {
			seen[q.ID] = fmt.Sprintf("%s:%d", file, line)
		}
	}
	if typ := o.str("type", true); typ != "" {
		q.Type = quiz.Type(typ)
		if !q.Type.Valid() {
			o.errorf(o.vals["type"].Line, "unknown question type %q (single, multiple or truefalse)", typ)
		}
	}
	q.Text = o.text("text", c.Languages)
	q.Explanation = o.text("explanation", c.Languages)
	if q.ID != "" {
		c.pos[q.ID] = questionPos{file: file, line: n.Line, text: langLines(o.vals["text"]), explanation: langLines(o.vals["explanation"])}
	}
	if o.get("objective", false) != nil {
		if n, line := o.intMin("objective", 1, 0); n >= 1 {
			for _, lang := range c.Languages {
				if objs, ok := m.Objectives[lang]; ok && n > len(objs) {
					o.errorf(line, "objective %d: the module's %s.md lists %d objectives", n, lang, len(objs))
				}
			}
			if q.ID != "" {
				c.objective[q.ID] = n
			}
		}
	}

	optionLines := map[string]int{}
	for _, item := range o.list("options", true) {
		oo := l.obj(file, o.where, item, "id", "text", "correct")
		if oo == nil {
			continue
		}
		opt := quiz.Option{ID: oo.id("id")}
		if opt.ID != "" {
			line := oo.vals["id"].Line
			if first, dup := optionLines[opt.ID]; dup {
				oo.errorf(line, "duplicate option id %q (first on line %d)", opt.ID, first)
			}
			optionLines[opt.ID] = line
			oo.where = strings.TrimPrefix(fmt.Sprintf("%s: option %q", o.where, opt.ID), ": ")
		}
		opt.Text = oo.text("text", c.Languages)
		opt.Correct = oo.bool("correct")
		q.Options = append(q.Options, opt)
	}
	if len(q.Options) > 0 {
		if msg := keyProblem(q); msg != "" {
			o.errorf(o.line("options"), "%s", msg)
		}
	}
	return q, true
}

// langLines returns the line of each key of a mapping (the language texts of
// a field), or nil when n is not a mapping.
func langLines(n *yaml.Node) map[string]int {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	lines := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		lines[n.Content[i].Value] = n.Content[i+1].Line
	}
	return lines
}

// keyProblem says what is wrong with q's answer key for its type, or "".
func keyProblem(q quiz.Question) string {
	correct := 0
	var ids []string
	for _, o := range q.Options {
		ids = append(ids, o.ID)
		if o.Correct {
			correct++
		}
	}
	slices.Sort(ids)
	switch {
	case q.Type == quiz.TrueFalse && !slices.Equal(ids, []string{"false", "true"}):
		return fmt.Sprintf("a truefalse question has exactly the options true and false, not %s", strings.Join(ids, ", "))
	case (q.Type == quiz.Single || q.Type == quiz.TrueFalse) && correct != 1:
		return fmt.Sprintf("a %s question needs exactly one correct option, it has %d", q.Type, correct)
	case q.Type == quiz.Single && len(q.Options) < 2:
		return "a single question needs at least 2 options"
	case q.Type == quiz.Multiple && correct == 0:
		return "a multiple question needs at least one correct option, it has none"
	case q.Type == quiz.Multiple && correct == len(q.Options):
		return "a multiple question needs at least one wrong option, all are correct"
	}
	return ""
}
