//go:build !js

package web

import (
	"encoding/json"

	"proc/tour"
)

// TourFile is the name under which the page finds the lessons of the
// tour (the ones built into proc), as one JSON document: see tourJSON.
const TourFile = "tour.json"

// The shape of TourFile. Its fields are in a fixed order and its maps are
// written with their keys sorted, so that the same lessons always give
// the same bytes.
type (
	tourDoc struct {
		// Langs are the languages of every lesson, the default first.
		Langs   []string     `json:"langs"`
		Lessons []tourLesson `json:"lessons"`
	}
	tourLesson struct {
		Num  int    `json:"num"`
		Slug string `json:"slug"`
		// File is the name the script is opened under in the editor.
		File   string              `json:"file"`
		Script string              `json:"script"`
		Text   map[string]tourText `json:"text"`
		Answer tourAnswer          `json:"answer"`
	}
	tourText struct {
		Title    string `json:"title"`
		Body     string `json:"body"`
		Question string `json:"question"`
	}
	// tourAnswer is the lesson's answer, given to the page so that it can
	// check a prediction with no server: the tour is a learning aid, and
	// the answer is one run away in any case.
	tourAnswer struct {
		Marker  string   `json:"marker"`
		Value   string   `json:"value"`
		Choices []string `json:"choices,omitempty"`
	}
)

// tourJSON returns TourFile: the lessons of ls in their order, each with
// its number, slug, script, text in every language and answer.
func tourJSON(ls []*tour.Lesson) ([]byte, error) {
	doc := tourDoc{Langs: tour.Langs, Lessons: make([]tourLesson, 0, len(ls))}
	for _, l := range ls {
		tl := tourLesson{
			Num:    l.Num,
			Slug:   l.Slug,
			File:   l.Slug + ".proc",
			Script: string(l.Script),
			Text:   map[string]tourText{},
			Answer: tourAnswer{Marker: l.Answer.Marker, Value: l.Answer.Value, Choices: l.Answer.Choices},
		}
		for lang, t := range l.Text {
			tl.Text[lang] = tourText{Title: t.Title, Body: t.Body, Question: t.Question}
		}
		doc.Lessons = append(doc.Lessons, tl)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// builtinTour returns TourFile for the lessons built into proc.
func builtinTour() ([]byte, error) {
	ls, err := tour.Load(tour.Builtin())
	if err != nil {
		return nil, err
	}
	return tourJSON(ls)
}
