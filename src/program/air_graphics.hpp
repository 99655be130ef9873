#pragma once
// The pictures the air encoder makes besides the cameras': the court's
// graphics drawn over every air frame (one libavfilter graph, rebuilt when
// the graphics change, so air's encoder and its sequence headers never do),
// the slate shown instead of the standby card's clip, and the one way a
// picture of any size is fitted to air's (scaled, padded, square pixels).
//
// Not thread-safe: the air encoder's thread uses them.

#include <cstdint>
#include <string>

#include "media/result.hpp"
#include "program/air_format.hpp"
#include "program/card.hpp"
#include "program/graphics.hpp"
#include "program/libav.hpp"

namespace courtcast::program {

// Scales a picture of `frame`'s size, format and aspect to air's size
// (letterboxed, never stretched) in yuv420p with square pixels.
class FitToAir {
 public:
  FitToAir(const AirFormat& format, std::string label) : f_(format), label_(std::move(label)) {}
  // Hands `frame` in; false when no graph takes its format.
  bool push(const AVFrame* frame);
  // The next fitted picture into `out`; false when there is none yet.
  bool pull(AVFrame* out);

 private:
  bool rebuild(const AVFrame* frame);

  const AirFormat f_;
  const std::string label_;
  av::Graph graph_;
  AVFilterContext *src_ = nullptr, *sink_ = nullptr;
  int w_ = 0, h_ = 0, fmt_ = -1;
  AVRational sar_{0, 1};
};

// The court's graphics over air-size pictures.
class GraphicsOverlay {
 public:
  GraphicsOverlay(const AirFormat& format, std::string label)
      : f_(format), label_(std::move(label)) {}
  void set(const Graphics& graphics);
  // The wall-clock time (UTC ms) of air tick 0, for the clock.
  void set_clock_origin(std::int64_t epoch_ms);
  // Draws over `frame` (air size, yuv420p, pts in air ticks): on return it
  // holds the drawn picture, or the same one when nothing is drawn or the
  // graph could not be made (logged).
  void draw(AVFrame* frame);

 private:
  media::Result<void> build();

  const AirFormat f_;
  const std::string label_;
  Graphics graphics_;
  bool dirty_ = true;
  std::int64_t clock_epoch_ms_ = 0;
  av::Graph graph_;
  AVFilterContext *src_ = nullptr, *sink_ = nullptr;
  av::Frame out_{av_frame_alloc()}, drawn_{av_frame_alloc()};
};

// The slate's picture at air size: its background (`card_still`, or the
// colour of graphics.slate_background, or the built-in card's colour) with
// its message across the middle. The clock and the rest are drawn over it
// like over any picture.
media::Result<av::Frame> render_slate(const AirFormat& format, const Graphics& graphics,
                                      const AVFrame* card_still);

// The first picture of `card` fitted to air, for the slate's background;
// null for the built-in card (its picture holds a message of its own).
media::Result<av::Frame> card_still(const StandbyCard& card, const AirFormat& format);

}  // namespace courtcast::program
