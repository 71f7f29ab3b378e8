/** Rendering helpers: a rasterizer for env frames and PNG/GIF encoders. */
export { Canvas, type Color, type Point } from './canvas.js';
export { encodeGif, encodePng } from './encode.js';
