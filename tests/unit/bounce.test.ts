/**
 * Reading bounces: standard delivery reports and the plain-text bounces of qmail and Exim.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { readDeliveryReport } from '../../sidecar/src/pipeline/bounce.ts';
import { parseEmail } from '../../sidecar/src/pipeline/parse.ts';

const crlf = ( lines: string[] ) => Buffer.from( lines.join( '\r\n' ) );

describe( 'readDeliveryReport', () => {
	it( 'reads an RFC 3464 report: recipient, status, diagnostic, returned Message-ID', async () => {
		const p = await parseEmail(
			crlf( [
				'From: MAILER-DAEMON@mx.example.test',
				'To: support@example.test',
				'Subject: Undelivered Mail Returned to Sender',
				'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
				'',
				'--B',
				'Content-Type: text/plain',
				'',
				'Your message could not be delivered.',
				'--B',
				'Content-Type: message/delivery-status',
				'',
				'Reporting-MTA: dns; mx.example.test',
				'',
				'Final-Recipient: rfc822; Ann@Example.TEST',
				'Action: failed',
				'Status: 5.2.2',
				'Diagnostic-Code: smtp; 552 5.2.2 mailbox full',
				'',
				'--B',
				'Content-Type: message/rfc822',
				'',
				'From: support@example.test',
				'Message-ID: <epipe.7.abc.def@example.test>',
				'Subject: [Ticket #7] Hello',
				'',
				'body',
				'--B--',
				'',
			] )
		);
		assert.deepEqual( readDeliveryReport( p ), {
			permanent: true,
			recipients: [ 'ann@example.test' ],
			status: '5.2.2',
			diagnostic: 'smtp; 552 5.2.2 mailbox full',
			originalMessageIds: [ '<epipe.7.abc.def@example.test>' ],
		} );
	} );

	it( 'reads a qmail bounce with the returned headers in its text', async () => {
		const p = await parseEmail(
			crlf( [
				'From: MAILER-DAEMON@mail.example.net',
				'To: support@example.test',
				'Subject: failure notice',
				'',
				'Hi. This is the qmail-send program at mail.example.net.',
				"I'm afraid I wasn't able to deliver your message to the following addresses.",
				'',
				'<bob@example.net>:',
				'Sorry, no mailbox here by that name. (#5.1.1)',
				'',
				'--- Below this line is a copy of the message.',
				'',
				'Return-Path: <support@example.test>',
				'Message-ID: <epipe.9.x1.y2@example.test>',
				'Subject: [Ticket #9] Re: Order',
				'',
			] )
		);
		const report = readDeliveryReport( p );
		assert.equal( report?.permanent, true );
		assert.equal( report?.status, '5.1.1' );
		assert.deepEqual( report?.originalMessageIds, [
			'<epipe.9.x1.y2@example.test>',
		] );
	} );

	it( "tells a delay warning from a failure, and Exim's X-Failed-Recipients", async () => {
		const p = await parseEmail(
			crlf( [
				'From: Mail Delivery System <Mailer-Daemon@mx.example.org>',
				'To: support@example.test',
				'X-Failed-Recipients: carol@example.org',
				'Subject: Warning: message 1abc delayed 24 hours',
				'',
				'This message was created automatically by mail delivery software.',
				'A message that you sent has not yet been delivered to one or more of its',
				'recipients after more than 24 hours on the queue. Delivery will be retried.',
				'',
				'Message-ID: <epipe.3.a.b@example.test>',
				'',
			] )
		);
		const report = readDeliveryReport( p );
		assert.equal( report?.permanent, false );
		assert.deepEqual( report?.recipients, [ 'carol@example.org' ] );
	} );

	it( 'finds nothing in an email without report facts', async () => {
		const p = await parseEmail(
			crlf( [ 'From: a@example.test', 'Subject: hi', '', 'hello', '' ] )
		);
		assert.equal( readDeliveryReport( p ), null );
	} );
} );
