package lake

import "testing"

// FuzzSpoolDecoder reads arbitrary bytes as spooled rows of both tables:
// a damaged spool block gives an error, never a panic or a hang.
func FuzzSpoolDecoder(f *testing.F) {
	ev := fillAll(Event{}, 3)
	f.Add(appendEvent(nil, &ev))
	q := fillAll(AthenaQuery{}, 5)
	f.Add(appendAthenaQuery(nil, &q))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		d := spoolDecoder{s: string(b)}
		var e Event
		readEvent(&d, &e)
		if d.err == nil && d.i > len(b) {
			t.Fatalf("read %d of %d bytes", d.i, len(b))
		}
		d = spoolDecoder{s: string(b)}
		var r AthenaQuery
		readAthenaQuery(&d, &r)
	})
}
