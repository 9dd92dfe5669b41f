package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"kipass/internal/app"
)

// personView is the HR page of one person.
type personView struct {
	app.PersonDetail
	Courses []personCourseView
	Titles  map[string]string // course id -> title
	Modules map[string]string // course id + "/" + module id -> title
	MailOn  bool
}

type personCourseView struct {
	app.PersonCourse
	Title   string
	Total   int // modules in the course
	Summary string
}

// hrPersonPage is /hr/people/{id}: a person's courses, modules passed,
// attempts (score and date only), certificates and assignments.
func (s *server) hrPersonPage(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		id = 0 // not found
	}
	d, err := s.app.Person(c.UserContext(), *currentUser(c), id)
	if err != nil {
		return err
	}
	lang := langOf(c)
	v := personView{PersonDetail: d, Titles: map[string]string{}, Modules: map[string]string{}, MailOn: s.cfg.MailConfigured}
	cat := s.catalog()
	for _, co := range cat.Courses {
		v.Titles[co.ID] = co.Title.Get(lang)
		for _, m := range co.Modules {
			v.Modules[co.ID+"/"+m.ID] = m.Title.Get(lang)
		}
	}
	for _, pc := range d.Courses {
		cv := personCourseView{PersonCourse: pc, Title: v.Titles[pc.Status.Course]}
		if co, ok := cat.Course(pc.Status.Course); ok {
			cv.Total = len(co.Modules)
		}
		v.Courses = append(v.Courses, cv)
	}
	return s.renderPage(c, fiber.StatusOK, "hr_person", d.User.Name, nil, v)
}
