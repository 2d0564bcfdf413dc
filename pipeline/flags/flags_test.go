package flags

import (
	"flag"
	"io"
	"reflect"
	"testing"
)

func TestListRepeatsAndSplits(t *testing.T) {
	var l List
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Var(&l, "f", "")
	if err := fs.Parse([]string{"-f", "a, b", "-f", "c", "-f", ",,"}); err != nil {
		t.Fatal(err)
	}
	if want := (List{"a", "b", "c"}); !reflect.DeepEqual(l, want) || l.String() != "a,b,c" {
		t.Errorf("List = %q (%s), want %q", l, l.String(), want)
	}
}
