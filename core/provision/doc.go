// Package provision reads provisioning profiles (.mobileprovision files) and
// manages the ones installed on this machine: the two folders Xcode reads
// (Folders), installing into both, listing them once per UUID with their
// state, and cleaning out the expired and superseded.
//
// Decode is the one decoder of a profile's bytes. A profile is CMS signed
// data over an XML property list; nothing inside is executed or trusted
// beyond being read, and every text from it goes through core.SafeText.
// What is and is not checked:
//   - SignatureValid: the CMS signature verifies against the signing
//     certificate the envelope carries (and the signing time lies within that
//     certificate's validity). It proves the content was not altered after
//     that certificate signed it, not who signed it.
//   - SignerClaimsApple: that certificate names Apple Inc. as its issuer.
//     Anyone can write that into a certificate: the chain is NOT verified up
//     to Apple's root CA, which is not available offline.
//
// Hostile input is bounded before it reaches the parsers: a file over
// MaxFileSize, a property list that is not XML (binary plists can share
// objects and expand without bound), nested deeper than maxDepth or with a
// text over maxText bytes, is refused with a message, as is a UUID that is not
// a UUID (it names the file).
package provision
