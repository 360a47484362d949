//! PNG encoding of a [`Frame`] (through the `png` crate).

use goodhart_core::{Error, Result};

use super::Frame;

/// Encodes `frame` as an 8-bit RGB PNG.
///
/// # Errors
/// If the frame is empty or its pixel buffer does not match its size.
pub fn png(frame: &Frame) -> Result<Vec<u8>> {
    check(frame)?;
    let mut out = Vec::new();
    {
        let mut encoder = ::png::Encoder::new(&mut out, frame.width, frame.height);
        encoder.set_color(::png::ColorType::Rgb);
        encoder.set_depth(::png::BitDepth::Eight);
        encoder.set_compression(::png::Compression::High);
        let mut writer = encoder
            .write_header()
            .map_err(|e| Error::State(format!("encoding a PNG failed: {e}")))?;
        writer
            .write_image_data(&frame.pixels)
            .map_err(|e| Error::State(format!("encoding a PNG failed: {e}")))?;
        writer
            .finish()
            .map_err(|e| Error::State(format!("encoding a PNG failed: {e}")))?;
    }
    Ok(out)
}

/// Checks that a frame is non-empty and its buffer matches its size.
pub(crate) fn check(frame: &Frame) -> Result<()> {
    if frame.width == 0 || frame.height == 0 {
        return Err(Error::invalid_value(
            "frame size",
            format!("{}x{}", frame.width, frame.height),
            "at least 1x1 pixels",
        ));
    }
    let expected = frame.width as usize * frame.height as usize * 3;
    if frame.pixels.len() != expected {
        return Err(Error::invalid_value(
            "frame pixels",
            format!("{} bytes", frame.pixels.len()),
            format!("{expected} bytes ({}x{}x3)", frame.width, frame.height),
        ));
    }
    Ok(())
}
