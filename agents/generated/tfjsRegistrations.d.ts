// Types of the generated module (see scripts/vendorTfjs.ts): it only registers, exports nothing.
export {};
