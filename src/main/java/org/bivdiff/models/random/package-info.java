/**
 * Random-weight models in the real diffusers layouts, written from each architecture's own parameter
 * list: for the demo, tests and benchmarks. They compute nothing meaningful.
 */
package org.bivdiff.models.random;
