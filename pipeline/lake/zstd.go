package lake

import (
	"sync"

	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/format"
)

// pageCodec is the zstd codec of the lake's Parquet files. parquet-go's own
// codec builds encoders with zstd's default 8 MiB window, whose history
// buffer is allocated again for every 1 MiB page (most of the writer's
// allocation, measured); a window the size of a page compresses the same
// data the same way at a fraction of the cost. One encoder serves every
// page: EncodeAll is safe for concurrent use.
type pageCodec struct {
	once sync.Once
	enc  *zstd.Encoder
	dec  *zstd.Decoder
	err  error
}

var lakeCodec compress.Codec = &pageCodec{}

func (c *pageCodec) init() {
	c.once.Do(func() {
		c.enc, c.err = zstd.NewWriter(nil,
			zstd.WithEncoderLevel(zstd.SpeedFastest),
			zstd.WithWindowSize(pageBufferSize),
			zstd.WithEncoderConcurrency(2),
			zstd.WithZeroFrames(true),
			zstd.WithEncoderCRC(false),
			zstd.WithLowerEncoderMem(true),
		)
		if c.err == nil {
			c.dec, c.err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0))
		}
	})
}

func (c *pageCodec) String() string { return "ZSTD" }

func (c *pageCodec) CompressionCodec() format.CompressionCodec { return format.Zstd }

func (c *pageCodec) Encode(dst, src []byte) ([]byte, error) {
	c.init()
	if c.err != nil {
		return dst, c.err
	}
	return c.enc.EncodeAll(src, dst[:0]), nil
}

func (c *pageCodec) Decode(dst, src []byte) ([]byte, error) {
	c.init()
	if c.err != nil {
		return dst, c.err
	}
	return c.dec.DecodeAll(src, dst[:0])
}
