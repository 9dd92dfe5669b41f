package web

import (
	"encoding/json"
	"time"

	"github.com/gofiber/fiber/v2"

	"kipass/internal/app"
	"kipass/quiz"
)

// The handlers below only translate: they read the request, call the
// assessment use cases in internal/app (StartAttempt, Submit) with the
// request's context, and write the answer. The rules (exam unlock, attempt
// limit, grading, late submissions, certificates) live there.

// submitResult is the contract's answer to a submission (app.Result).
type submitResult = app.Result

// apiQuestion is a drawn question as the learner sees it.
type apiQuestion = app.PresentedQuestion

// apiOption is an option of an apiQuestion.
type apiOption = app.PresentedOption

// --- JSON API ---

func (s *server) apiStartAttempt(c *fiber.Ctx) error {
	lang := apiLang(c)
	st, err := s.app.StartAttempt(c.UserContext(), *currentUser(c), c.Params("course"), c.Params("module"), lang)
	if err != nil {
		return err
	}
	var exp *string
	if !st.Attempt.ExpiresAt.IsZero() {
		t := st.Attempt.ExpiresAt.UTC().Format(time.RFC3339)
		exp = &t
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"attempt_id": st.Attempt.ID, "questions": app.Present(st.Course, st.Questions, lang), "expires_at": exp})
}

// apiAnswers reads {"answers":{...}} from the body (apiSubmit reads
// "confirm" beside it); a
// missing or empty answers object is no answer at all.
func apiAnswers(c *fiber.Ctx) app.AnswerReader {
	return func([]quiz.Drawn) (quiz.Answers, error) {
		var body struct {
			Answers json.RawMessage `json:"answers"`
			Confirm bool            `json:"confirm"`
		}
		if err := decodeJSON(c, &body); err != nil {
			return nil, err
		}
		if len(body.Answers) == 0 || string(body.Answers) == "null" {
			return quiz.Answers{}, nil
		}
		return quiz.ParseAnswers(body.Answers)
	}
}

func (s *server) apiSubmit(c *fiber.Ctx) error {
	// confirm is part of the body, which is read only for an open attempt
	// of the caller; peek at it first so that Submit can apply the rule.
	var peek struct {
		Confirm bool `json:"confirm"`
	}
	_ = json.Unmarshal(c.Body(), &peek)
	_, res, err := s.app.Submit(c.UserContext(), *currentUser(c), c.Params("attempt"), apiAnswers(c), peek.Confirm)
	if err != nil {
		return err
	}
	return c.JSON(res)
}

// apiSaveDraft saves the answers so far: 204, or 409 attempt_closed.
func (s *server) apiSaveDraft(c *fiber.Ctx) error {
	if _, err := s.app.SaveDraft(c.UserContext(), *currentUser(c), c.Params("attempt"), apiAnswers(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// apiAttempt returns the caller's attempt with its questions and the
// answers saved (the draft, or the submission), in the shown ids.
func (s *server) apiAttempt(c *fiber.Ctx) error {
	a, err := s.app.Attempt(c.UserContext(), *currentUser(c), c.Params("attempt"))
	if err != nil {
		return err
	}
	co, ok := s.catalog().Course(a.CourseID)
	if !ok {
		return errNoCourse
	}
	drawn, err := app.DecodeDrawn(a)
	if err != nil {
		return err
	}
	ans := quiz.Answers{}
	if a.Open() {
		if ans, err = app.DecodeDraft(a); err != nil {
			return err
		}
	} else if len(a.Answers) > 0 {
		if err := json.Unmarshal(a.Answers, &ans); err != nil {
			return err
		}
	}
	var exp *string
	if !a.ExpiresAt.IsZero() {
		t := a.ExpiresAt.UTC().Format(time.RFC3339)
		exp = &t
	}
	return c.JSON(fiber.Map{"attempt_id": a.ID, "kind": a.Kind, "questions": app.Present(co, drawn, a.Lang), "expires_at": exp,
		"answers": quiz.FromContent(drawn, ans), "submitted": !a.Open()})
}
