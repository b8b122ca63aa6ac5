"""Media metadata readers (EXIF of images); no Qt, no network."""
