//go:build !js

package web

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"proc/tour"
)

// TestTourJSON: the page's tour.json holds every lesson built into proc,
// in order, with its script, its text in every language and its answer,
// as tour.Load reads them; the same bytes each time; served as JSON and
// written by an export.
func TestTourJSON(t *testing.T) {
	ls, err := tour.Load(tour.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	b, err := builtinTour()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		again, err := builtinTour()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("tour.json differs from one build to the next (%v)", err)
		}
	}
	if !bytes.HasSuffix(b, []byte("}\n")) {
		t.Errorf("tour.json does not end in a newline")
	}
	var doc tourDoc
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(doc.Langs, tour.Langs) {
		t.Errorf("langs = %q, want %q", doc.Langs, tour.Langs)
	}
	if len(doc.Lessons) != len(ls) {
		t.Fatalf("%d lessons, want %d", len(doc.Lessons), len(ls))
	}
	for i, l := range ls {
		got := doc.Lessons[i]
		if got.Num != l.Num || got.Slug != l.Slug || got.File != l.Slug+".proc" || got.Script != string(l.Script) {
			t.Errorf("lesson %d: num %d, slug %q, file %q, script of %d bytes; want %d, %q, %q.proc, %d bytes",
				i+1, got.Num, got.Slug, got.File, len(got.Script), l.Num, l.Slug, l.Slug, len(l.Script))
		}
		for _, lang := range tour.Langs {
			want := l.Text[lang]
			if got.Text[lang] != (tourText{want.Title, want.Body, want.Question}) {
				t.Errorf("%s, %s: text %+v, want %+v", l.Slug, lang, got.Text[lang], want)
			}
		}
		if len(got.Text) != len(tour.Langs) {
			t.Errorf("%s: %d languages, want %d", l.Slug, len(got.Text), len(tour.Langs))
		}
		want := tourAnswer{l.Answer.Marker, l.Answer.Value, l.Answer.Choices}
		if !reflect.DeepEqual(got.Answer, want) {
			t.Errorf("%s: answer %+v, want %+v", l.Slug, got.Answer, want)
		}
	}
	// The Korean text arrives as Korean, not as escapes to decode.
	if !tour.HasHangul(string(b)) {
		t.Error("tour.json holds no Hangul")
	}
	// A lesson without choices has no choices key at all.
	if c := bytes.Count(b, []byte(`"choices":`)); c == 0 || c == len(ls) {
		t.Errorf("%d lessons of %d have choices; want some, not all (a test of omitempty)", c, len(ls))
	}

	res, body := get(t, Handler(nil), "GET", "/"+TourFile)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" || !bytes.Equal([]byte(body), b) {
		t.Errorf("GET /%s: status %d, type %q, %d bytes; want 200, application/json, %d bytes",
			TourFile, res.StatusCode, res.Header.Get("Content-Type"), len(body), len(b))
	}
	if !slices.Contains(Files(), TourFile) {
		t.Errorf("Files() has no %s", TourFile)
	}
	dir := exportPage(t, nil)
	if got, err := os.ReadFile(filepath.Join(dir, TourFile)); err != nil || !bytes.Equal(got, b) {
		t.Errorf("the export's %s: %d bytes (%v), want %d", TourFile, len(got), err, len(b))
	}
}
