// Package courses loads the course catalogue from a content folder: course.yaml,
// the modules' markdown texts and their question pools. Load parses and renders
// everything once at start-up and fails fast with every problem as
// file:line: message; Check reports the same problems without building a
// catalogue. The format is described in content/README.md.
package courses

import (
	"html/template"
	"slices"

	"kipass/quiz"
)

// Catalog is the set of courses in a content folder. It is immutable after Load.
type Catalog struct {
	// Courses in the order of their folder names.
	Courses []*Course

	byID map[string]*Course
}

// Course returns the course with the given id.
func (c *Catalog) Course(id string) (*Course, bool) {
	course, ok := c.byID[id]
	return course, ok
}

// Course is one course: its modules with their texts and question pools, the
// rules of the module quizzes and of the final exam.
type Course struct {
	// ID equals the course's folder name.
	ID string
	// Title, Description and CertificateTitle hold one text per language.
	Title, Description, CertificateTitle quiz.Text
	// Languages lists the language codes every text exists in, the first is the default.
	Languages []string
	// PassPercent is the pass mark of a module quiz.
	PassPercent int
	// QuizQuestions is the number of questions drawn for one module quiz attempt.
	QuizQuestions int
	// ValidityMonths is how long a certificate stays valid.
	ValidityMonths int
	// Exam holds the rules of the final exam.
	Exam Exam
	// Modules in the order of course.yaml.
	Modules []*Module
	// Version is "sha256:" and the hex SHA-256 of the course folder's manifest:
	// one line "<hex sha256 of the file>  <path>\n" per file, sorted by path.
	// Any change to any file of the course changes it.
	Version string

	// Allow holds the lint rules the course opts out of (course.yaml
	// lint.allow), rule name -> the reason given.
	Allow map[string]string

	modules     map[string]*Module
	questions   map[string]quiz.Question // module and exam pools
	all         []quiz.Question          // module pools
	exam        []quiz.Question          // exam pools
	objective   map[string]int           // question id -> objective (1-based), absent when not given
	pos         map[string]questionPos   // question id -> where it stands, for lint messages
	file        string                   // course.yaml, relative to the content folder
	examLine    int                      // line of exam: in course.yaml
	modulesLine int                      // line of modules: in course.yaml
}

// questionPos says where a question stands in its file.
type questionPos struct {
	file string
	line int // the question's first line
	// text and explanation hold the line of each language's text.
	text, explanation map[string]int
}

// Exam holds the rules of a course's final exam.
type Exam struct {
	// Questions is the number of questions drawn: from the exam pools when the
	// course has them (see Course.ExamPool), otherwise from all module pools.
	Questions int
	// MinPerModule is the least number of questions drawn from each module.
	MinPerModule int
	// PassPercent is the pass mark in percent.
	PassPercent int
	// Minutes is the time limit.
	Minutes int
}

// Module returns the module with the given id.
func (c *Course) Module(id string) (*Module, bool) {
	m, ok := c.modules[id]
	return m, ok
}

// Question returns the question with the given id from any module's pool or
// exam pool. Its Module field names the module.
func (c *Course) Question(id string) (quiz.Question, bool) {
	q, ok := c.questions[id]
	return q, ok
}

// Questions returns the questions of all module pools in module order, each
// with its Module field set. The slice is the caller's; the questions' maps and
// option slices are shared and must not be changed.
func (c *Course) Questions() []quiz.Question {
	return slices.Clone(c.all)
}

// ExamPool returns the questions the final exam draws from, in module order,
// each with its Module field set: the exam pools (exam.yaml) when the course
// has them, otherwise (older content) the module pools, as Questions returns
// them. The slice is the caller's; the questions are shared as in Questions.
func (c *Course) ExamPool() []quiz.Question {
	if len(c.exam) > 0 {
		return slices.Clone(c.exam)
	}
	return slices.Clone(c.all)
}

// HasExamPools reports whether the modules have their own exam pools
// (exam.yaml), so that no module quiz shows an exam question.
func (c *Course) HasExamPools() bool { return len(c.exam) > 0 }

// Objective returns the 1-based index into the module's objectives that
// question id tests, or 0 when the question names none.
func (c *Course) Objective(id string) int { return c.objective[id] }

// Module is one learning unit of a course: a text per language and a question pool.
type Module struct {
	// ID equals the module's folder name.
	ID string
	// Index is the module's 0-based position in the course.
	Index int
	// Title holds the front matter title per language.
	Title quiz.Text
	// Minutes is the reading time per language.
	Minutes map[string]int
	// Objectives are the learning objectives per language.
	Objectives map[string][]string
	// Summary holds the summary bullet points per language (may be empty).
	Summary map[string][]string
	// HTML is the rendered markdown body per language (raw HTML in the source is dropped).
	HTML map[string]template.HTML
	// TOC lists the body's ## and ### headings per language.
	TOC map[string][]Heading
	// Media holds the module's illustrations by file name: the SVG files in
	// its folder that its texts reference, checked at load (see
	// content/README.md). Only these are served.
	Media map[string]*Media
	// Questions is the module's pool (questions.yaml), each with its Module field set.
	Questions []quiz.Question
	// ExamQuestions is the module's exam pool (exam.yaml), drawn only by the
	// final exam; empty when the module has no exam.yaml.
	ExamQuestions []quiz.Question

	examples map[string][]example // language -> the text's examples (block quotes)
	quizPool pool                 // where questions.yaml's list starts
}

// example is a block quote of a module text, where the texts put their examples.
type example struct {
	file string
	line int
	text string
}

// Heading is one entry of a module's table of contents.
type Heading struct {
	// ID is the heading's HTML id, unique within the document.
	ID string
	// Text is the heading's plain text.
	Text string
	// Level is 2 for ## and 3 for ###.
	Level int
}
