/** Condition annotators: what turns a source frame into the condition image a ControlNet or T2I-Adapter takes (Canny edges). */
package org.bivdiff.media.annotators;
