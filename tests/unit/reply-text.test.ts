/**
 * The visible reply across clients and languages: each case is the layout one client produces.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { htmlToText } from '../../sidecar/src/pipeline/content.ts';
import { extractReply } from '../../sidecar/src/pipeline/reply-text.ts';

const MARKER = '-- Reply above this line --';
const reply = ( text: string, subject = 'Re: Ticket' ) =>
	extractReply( text, { marker: MARKER, subject } );

describe( 'extractReply', () => {
	it( 'cuts a Gmail attribution wrapped over two lines', () => {
		assert.equal(
			reply(
				'Works now, thanks.\n\nOn Mon, 3 Jun 2024 at 10:12, Example Support Team <\nsupport@example.test> wrote:\n\n> Please try again.\n'
			),
			'Works now, thanks.'
		);
	} );

	it( 'cuts an attribution wrapped over two lines that starts with a preposition in Persian, Arabic, Hebrew or Polish ("در تاریخ …", "في …", "בתאריך …", "Dnia …"), interleaved answers kept', () => {
		assert.equal(
			reply(
				'ممنون، ثبت‌نام کنید.\n\nمریم احمدی\n\nدر تاریخ پنجشنبه ۳ آوریل ۲۰۲۵ ساعت ۱۱:۰۴ Example Support\n<support@example.test> نوشت:\n\n> Dear Maryam,\n'
			),
			'ممنون، ثبت‌نام کنید.\n\nمریم احمدی'
		);
		assert.equal(
			reply(
				'شكرًا، تم الدفع.\n\nفي الخميس، 3 أبريل 2025 في 11:04 ص Example Support\n<support@example.test> كتب:\n\n> Dear Omar,\n'
			),
			'شكرًا، تم الدفع.'
		);
		assert.equal(
			reply(
				'תודה, שילמתי.\n\nבתאריך יום ה׳, 3 באפר׳ 2025 ב-11:04 מאת Example Support\n<support@example.test>:\n\n> Dear Dana,\n'
			),
			'תודה, שילמתי.'
		);
		assert.equal(
			reply(
				'Dnia Wed, 9 Apr 2025 08:30:00 +0200\nObsługa Example <support@example.test> napisał(a):\n\n> Zapraszamy na zebranie w środę o 17:30.\n\nBędę, ale dopiero ok. 17:45.\n\n> Prosimy o opłatę 45 zł.\n\nOpłatę przelałam wczoraj.\n\nPozdrawiam,\nAgnieszka'
			),
			'Będę, ale dopiero ok. 17:45.\n\nOpłatę przelałam wczoraj.\n\nPozdrawiam,\nAgnieszka'
		);
	} );

	it( 'cuts a Gmail attribution wrapped after the quoted name in any language, its date and time on the first line ("… 2025 kl. 16:20 skrev Name" / "<support@example.test>:")', () => {
		const cases: readonly ( readonly [ string, string ] )[] = [
			[
				'man. 31. mar. 2025 kl. 16:20 skrev Example Support Team',
				'<support@example.test>:',
			],
			[
				'ti 1. huhtik. 2025 klo 11.15 Example Support Team (support@example.test)',
				'kirjoitti:',
			],
			[
				'În mar., 1 apr. 2025 la 12:08, Example Support Team',
				'<support@example.test> a scris:',
			],
			[
				'Στις Τετ 2 Απρ 2025 στις 11:30 π.μ., ο/η Example Support Team',
				'<support@example.test> έγραψε:',
			],
			[
				'2025年4月2日(水) 11:30 Example Support Team',
				'<support@example.test>:',
			],
		];
		for ( const [ first, second ] of cases ) {
			assert.equal(
				reply(
					`Thanks, Tuesday is fine.\n\nAnna\n\n${ first }\n${ second }\n\n> Hello Anna,\n>\n> Shall we say Tuesday?\n`
				),
				'Thanks, Tuesday is fine.\n\nAnna',
				first
			);
		}
		// A person's own lines with a year and a time stay, an address or a colon on the next line
		// or not.
		const own = [
			'We land on 3 June 2025 at 16:20 and come straight to you with\nthe following:\n\n- two adults\n- one child',
			'My booking for Sat 19 April 2025, 11.15, was made by Anna\n<anna@example.org> and paid by card.\n\nPlease move it.',
			'The invoice of 12.03.2025 10:00 from our accountant\n<accounts@example.org>: still unpaid?\n\nThanks',
		];
		for ( const text of own ) {
			assert.equal( reply( text ), text );
		}
	} );

	it( 'cuts a German Outlook header block and keeps an undelimited signature', () => {
		assert.equal(
			reply(
				'Hallo,\n\nes geht wieder.\n\nMax Muster\nTel. 030 1234\n\nVon: Support <support@example.test>\nGesendet: Montag, 3. Juni 2024 10:12\nAn: Max Muster <max@example.de>\nBetreff: AW: Drucker\n\nAlter Text'
			),
			'Hallo,\n\nes geht wieder.\n\nMax Muster\nTel. 030 1234'
		);
	} );

	it( "keeps only the newest comment of a customer's helpdesk conversation", () => {
		const conversation =
			'##- Please type your reply above this line -##\n\nChris (Northwind)\n\nApr 16, 2025, 09:31 CEST\n\nPlease ship the rest now.\n\nBest,\nChris\n\n--------------------------------\n\nExample Support\n\nApr 15, 2025, 17:02 CEST\n\nShould we ship the rest now?\n';
		assert.equal(
			reply( conversation ),
			'Please ship the rest now.\n\nBest,\nChris'
		);
		// A long rule a person draws is not a conversation's.
		assert.equal(
			reply(
				'Totals below.\n\n--------------------------------\n\nItems: 3\nSum: 12 EUR'
			),
			'Totals below.\n\n--------------------------------\n\nItems: 3\nSum: 12 EUR'
		);
	} );

	it( 'cuts the French header block with a space before the colon', () => {
		assert.equal(
			reply(
				'Merci.\n\nDe : Support <support@example.test>\nEnvoyé : lundi 3 juin 2024 10:12\nÀ : Marie\nObjet : RE: Facture\n\nancien'
			),
			'Merci.'
		);
	} );

	it( 'cuts a Gmail attribution in Russian that names only the address', () => {
		assert.equal(
			reply(
				'Спасибо!\n\nпн, 3 июн. 2024 г. в 10:12, Support <support@example.test>:\n\n> Текст'
			),
			'Спасибо!'
		);
	} );

	it( 'keeps answers written between quoted lines', () => {
		assert.equal(
			reply(
				'On Mon, 3 Jun 2024, Support wrote:\n> Which version?\n4.2\n\n> Which browser?\nFirefox\n'
			),
			'4.2\n\nFirefox'
		);
	} );

	it( 'drops mobile taglines in several languages', () => {
		assert.equal( reply( 'Ok\n\nSent from my iPhone' ), 'Ok' );
		assert.equal( reply( 'Gut\n\nVon meinem iPhone gesendet' ), 'Gut' );
		assert.equal(
			reply( 'Bien\n\nGet Outlook for Android<https://aka.ms/x>' ),
			'Bien'
		);
	} );

	it( 'drops Outlook\'s mobile tagline where its verb follows the app or is another of its translations ("Outlook für iOS beziehen", "Skaffa Outlook för iOS", "Nabavite Outlook za iOS"), and keeps a person\'s question about the app', () => {
		for ( const tagline of [
			'Outlook für iOS beziehen',
			'Outlook für Android beziehen<https://aka.ms/ghei36>',
			'Outlook voor iOS ophalen',
			'Skaffa Outlook för iOS',
			'Nabavite Outlook za iOS',
			'Prenesite Outlook za Android',
		] ) {
			assert.equal(
				reply( `Merci und Grüsse\nLukas\n\n${ tagline }` ),
				'Merci und Grüsse\nLukas',
				tagline
			);
		}
		assert.equal(
			reply( 'Grüsse\nLukas\n\nWo kann ich Outlook für iOS beziehen?' ),
			'Grüsse\nLukas\n\nWo kann ich Outlook für iOS beziehen?'
		);
	} );

	it( 'drops a tagline whose link stands inside it after the app\'s name ("Outlook voor iOS<https://aka.ms/…> downloaden"), verb last or first, and keeps a person\'s line with a link', () => {
		for ( const tagline of [
			'Outlook voor iOS<https://aka.ms/o0ukef> downloaden',
			'Outlook für Android<https://aka.ms/ghei36> herunterladen',
			'Get Outlook for iOS<https://aka.ms/o0ukef>',
			'Scarica Outlook per Android<https://aka.ms/ghei36>',
		] ) {
			assert.equal(
				reply( `Groetjes,\nSanne\n\n${ tagline }` ),
				'Groetjes,\nSanne',
				tagline
			);
		}
		const own =
			'Groetjes,\nSanne\n\nDe app staat hier: Outlook<https://example.org/app> voor iOS, kunt u die proberen?';
		assert.equal( reply( own ), own );
	} );

	it( "drops the right-to-left taglines of iPhone, iPad, Android, Samsung and Outlook in Hebrew, Arabic and Persian, and keeps a person's sentence about their phone", () => {
		for ( const tagline of [
			'נשלח מה-iPad שלי',
			'נשלח מה-iPhone שלי',
			'נשלח ממכשיר Samsung Galaxy שלי',
			'קבל את Outlook עבור iOS',
			'تم الإرسال من iPad الخاص بي',
			'مرسل من جهاز Samsung Galaxy',
			'ارسال شده از iPhone من',
			'دریافت Outlook برای Android',
		] ) {
			assert.equal(
				reply( `תודה רבה,\nדנה\n\n${ tagline }` ),
				'תודה רבה,\nדנה',
				tagline
			);
		}
		const own =
			'תודה רבה, התמונות צולמו בטלפון שלי ונשלחו מהמחשב במשרד.\n\nדנה';
		assert.equal( reply( own ), own );
	} );

	it( 'keeps a forwarded email as content', () => {
		const text =
			'Can you look at this?\n\n---------- Forwarded message ---------\nFrom: Vendor <v@example.com>\nDate: Mon, 3 Jun 2024\nSubject: Outage\nTo: <me@example.com>\n\nWe are down.';
		assert.equal( reply( text, 'Fwd: Outage' ), text );
	} );

	it( 'keeps a forwarded email inside a reply, without the answered email quoted at its end', () => {
		const note =
			'My landlord approved the quote, see his email below.\n\nThanks,\nEmma\n\n---------- Forwarded message ---------\nFrom: Peter Hollis <peter@example.org>\nDate: Sat, 11 Oct 2025 at 17:42\nSubject: Boiler\nTo: Emma <emma@example.com>\n\nHi Emma, go ahead.\n\nPeter';
		const history =
			'\n\nOn Fri, 10 Oct 2025 at 14:03, Example Support <support@example.test> wrote:\n\n> Dear Emma,\n>\n> Your quote is below.';
		assert.equal( reply( note + history ), note );
		assert.equal(
			extractReply( note + history, {
				marker: '',
				subject: 'Boiler quote',
				answersMessage: true,
			} ),
			note
		);
		// Forwarding, the forwarded email's own quoted history is part of it.
		assert.equal( reply( note + history, 'Fwd: Boiler' ), note + history );
	} );

	it( 'keeps an Outlook forward without a title as content', () => {
		const text =
			'FYI\n\n________________________________\nFrom: Vendor <v@example.com>\nSent: Monday, June 3, 2024 10:12 AM\nTo: Me\nSubject: Outage\n\nWe are down.';
		assert.equal( reply( text, 'FW: Outage' ), text );
		assert.equal( reply( text, 'RE: Outage' ), 'FYI' );
	} );

	it( 'reads "VS:" without a thread as a reply when the header block below is in a language whose Outlook does not forward with "VS:" (Hungarian, Finnish), and as a forward under a Danish or Norwegian block', () => {
		const hu =
			'Köszönjük, kedd délelőtt jó.\n\nÜdvözlettel:\nKovács Péter\n\nFeladó: Műhely <support@example.test>\nElküldve: 2025. november 3., hétfő 14:05\nCímzett: Kovács Péter <kovacs@example.org>\nTárgy: [#51359] Szállítás\n\nTisztelt Kovács Úr!\n';
		assert.equal(
			reply( hu, 'VS: [#51359] Szállítás' ),
			'Köszönjük, kedd délelőtt jó.\n\nÜdvözlettel:\nKovács Péter'
		);
		const fi =
			'Kiitos, tiistai sopii.\n\nTerveisin\nMatti\n\nLähettäjä: Tuki <support@example.test>\nLähetetty: maanantai 3. marraskuuta 2025 14.05\nVastaanottaja: Matti <matti@example.org>\nAihe: [#4] Toimitus\n\nHyvä Matti,\n';
		assert.equal(
			reply( fi, 'VS: [#4] Toimitus' ),
			'Kiitos, tiistai sopii.\n\nTerveisin\nMatti'
		);
		// A Danish forward (no thread) keeps the forwarded email as its content.
		const da =
			'Se venligst nedenstående.\n\nMvh\nJens\n\nFra: Leverandør <salg@leverandor.example>\nSendt: 3. november 2025 14:05\nTil: Jens <jens@example.org>\nEmne: Faktura 1182\n\nHermed faktura.';
		assert.equal( reply( da, 'VS: Faktura 1182' ), da );
	} );

	it( 'reads an email as a forward, whatever its subject\'s prefix ("VS:", "AW:", "RE:") when its writer says above the header block that they pass the message below on ("Välitän teille alla olevan viestin", "ich leite Ihnen die untenstehende Nachricht weiter", "I\'m forwarding you the email below", "je vous transfère le mail ci-dessous"), also above an original-message title; a reply that points to the message below, says it passes our message on to someone else, or sends something ("I forward you the corrected invoice", "je vous transmets le devis signé") stays a reply', () => {
		const fiBlock =
			'Lähettäjä: Jari Niemi <jari.niemi@example.fi>\nLähetetty: tiistai 4. maaliskuuta 2025 8.12\nVastaanottaja: Sanna Virtanen <sanna.virtanen@example.org>\nAihe: Rännit\n\nHei Sanna,\n\nB-talon rännit vuotavat taas. Voisitko tilata korjauksen?\n\nJari';
		const deBlock =
			'Von: Karl Brandt <k.brandt@example.de>\nGesendet: Montag, 3. März 2025 17:40\nAn: Hausverwaltung Lenz <info@example.org>\nBetreff: Dachrinne\n\nGuten Tag,\n\ndie Dachrinne über dem Eingang ist abgerissen.\n\nKarl Brandt';
		const frBlock =
			'De : Paul Roche <paul.roche@example.fr>\nEnvoyé : lundi 3 mars 2025 17:40\nÀ : Claire Petit <claire.petit@example.org>\nObjet : Gouttière\n\nBonjour,\n\nLa gouttière fuit au-dessus de la porte.\n\nPaul Roche';
		const enBlock =
			'________________________________\nFrom: Leah Morgan <leah.morgan@example.co.uk>\nSent: 03 March 2025 17:40\nTo: Ben Carter <ben@example.org>\nSubject: Flashing\n\nHi Ben,\n\nThe lead flashing by the chimney has lifted after the storm.\n\nLeah';
		const forwards: ReadonlyArray< readonly [ string, string ] > = [
			[
				`Hei,\n\nvälitän teille alla olevan viestin asukkaalta. Voisitteko käydä katsomassa rännit?\n\nTerveisin\nSanna Virtanen\n\n${ fiBlock }`,
				'VS: Rännit',
			],
			[
				`Guten Tag,\n\nich leite Ihnen die untenstehende Nachricht unseres Mieters weiter. Können Sie sich das ansehen?\n\nMit freundlichen Grüßen\nEva Lenz\n\n${ deBlock }`,
				'AW: Dachrinne',
			],
			[
				`Hi,\n\nI'm forwarding you the email below from one of our tenants. Could you quote for the repair?\n\nThanks,\nBen\n\n${ enBlock }`,
				'RE: Flashing',
			],
			[
				`Bonjour,\n\nje vous transfère le mail ci-dessous de notre locataire. Pouvez-vous passer cette semaine ?\n\nCordialement,\nClaire Petit\n\n${ frBlock }`,
				'RE: Gouttière',
			],
			// Above Outlook's original-message title.
			[
				`Hei,\n\nvälitän tiedoksi alla olevan viestin.\n\nSanna\n\n-----Alkuperäinen viesti-----\n${ fiBlock }`,
				'VS: Rännit',
			],
		];
		for ( const [ text, subject ] of forwards ) {
			assert.equal( reply( text, subject ), text, subject );
		}
		const replies: ReadonlyArray< readonly [ string, string, string ] > = [
			[
				'Please see the message below and let me know when you can come.\n\nBen',
				enBlock,
				'RE: Flashing',
			],
			[
				"Thanks, I'm forwarding your quote to our finance team.\n\nBen",
				enBlock,
				'RE: Flashing',
			],
			// Sending something, not passing a message on.
			[
				'Sorry about that, I forward you the corrected invoice.\n\nBen',
				enBlock,
				'RE: Flashing',
			],
			[
				'Bonjour,\n\nje vous transmets le devis signé.\n\nClaire Petit',
				frBlock,
				'RE: Gouttière',
			],
			[
				'Kiitos, välitän viestisi hallitukselle.\n\nSanna',
				fiBlock,
				'VS: Rännit',
			],
			[
				'Danke, ich leite Ihre Nachricht an die Buchhaltung weiter.\n\nEva Lenz',
				deBlock,
				'AW: Dachrinne',
			],
		];
		for ( const [ note, block, subject ] of replies ) {
			assert.equal(
				reply( `${ note }\n\n${ block }`, subject ),
				note,
				note
			);
		}
	} );

	it( 'knows the forward prefixes of Outlook in Greek ("ΠΡΘ:"), Turkish with its dotted capital ("İLT:") and Hebrew ("הועבר:"): the header block below is the forwarded email, kept; the same email under their reply prefixes ("ΑΠ:", "ΣΧΕΤ:", "YNT:", "השב:") is a reply', () => {
		const el =
			'Δείτε παρακάτω.\n\nΜαρία\n\nΑπό: Γραφείο Διαχείρισης <info@diaxeirisi.example>\nΣτάλθηκε: Τρίτη, 4 Μαρτίου 2025 9:15 πμ\nΠρος: Μαρία Κωνσταντίνου <maria.k@example.gr>\nΘέμα: Καυστήρας πολυκατοικίας\n\nΚαλημέρα σας,\n\nο καυστήρας χρειάζεται συντήρηση πριν τον Απρίλιο.\n\nΓραφείο Διαχείρισης';
		assert.equal( reply( el, 'ΠΡΘ: Καυστήρας πολυκατοικίας' ), el );
		assert.equal(
			reply( el, 'ΑΠ: Καυστήρας πολυκατοικίας' ),
			'Δείτε παρακάτω.\n\nΜαρία'
		);
		assert.equal(
			reply( el, 'ΣΧΕΤ: Καυστήρας πολυκατοικίας' ),
			'Δείτε παρακάτω.\n\nΜαρία'
		);
		const tr =
			'Bilginize.\n\nAyşe\n\nKimden: Site Yönetimi <yonetim@site.example>\nGönderildi: 4 Mart 2025 Salı 09:15\nKime: Ayşe Kaya <ayse.kaya@example.com.tr>\nKonu: Kazan bakımı\n\nMerhaba,\n\nKazan bakımı nisan ayından önce yapılmalıdır.\n\nSite Yönetimi';
		assert.equal( reply( tr, 'İLT: Kazan bakımı' ), tr );
		assert.equal( reply( tr, 'YNT: Kazan bakımı' ), 'Bilginize.\n\nAyşe' );
		const he =
			'לידיעתכם.\n\nדנה\n\nמאת: ועד הבית <vaad@example.co.il>\nנשלח: יום שלישי, 4 במרץ 2025 09:15\nאל: דנה לוי <dana.levi@example.co.il>\nנושא: תחזוקת דוד\n\nשלום,\n\nיש לבצע תחזוקה לדוד לפני אפריל.\n\nועד הבית';
		assert.equal( reply( he, 'הועבר: תחזוקת דוד' ), he );
		assert.equal( reply( he, 'השב: תחזוקת דוד' ), 'לידיעתכם.\n\nדנה' );
	} );

	it( 'reads a forward by its writer\'s note in Greek ("Σας προωθώ το μήνυμα της ασφαλιστικής"), Czech, Slovak, Ukrainian, Bulgarian, Croatian, Serbian, Slovenian, Romanian and Hebrew, under a reply prefix or none; passing our message on to someone else ("προωθώ το μήνυμά σας στο λογιστήριο", "přeposílám Vaši zprávu kolegovi"), sending something ("Σας προωθώ το τιμολόγιο") or pointing below stays a reply', () => {
		const elBlock =
			'Από: Ασφαλιστική Εταιρεία <info@asfaleia.example>\nΣτάλθηκε: Τρίτη, 4 Μαρτίου 2025 9:15 πμ\nΠρος: Γιώργος Δημητρίου <g.dimitriou@example.gr>\nΘέμα: Πιστοποιητικό λέβητα\n\nΑγαπητέ πελάτη,\n\nπαρακαλούμε στείλτε μας το πιστοποιητικό συντήρησης του λέβητα.\n\nΑσφαλιστική Εταιρεία';
		const csBlock =
			'Od: Pojišťovna <info@pojistovna.example>\nOdesláno: úterý 4. března 2025 9:15\nKomu: Jan Novák <jan.novak@example.cz>\nPředmět: Revize kotle\n\nDobrý den,\n\nzašlete nám prosím revizní zprávu kotle.\n\nPojišťovna';
		const ukBlock =
			'Від: Страхова компанія <info@strakhova.example>\nНадіслано: 4 березня 2025 р. 9:15\nКому: Олена Коваль <olena.koval@example.ua>\nТема: Перевірка котла\n\nДоброго дня,\n\nнадішліть нам акт перевірки котла.\n\nСтрахова компанія';
		const bgBlock =
			'От: Застрахователна компания <info@zastrahovane.example>\nИзпратено: 4 март 2025 г. 9:15\nДо: Иван Петров <ivan.petrov@example.bg>\nОтносно: Проверка на котела\n\nЗдравейте,\n\nизпратете ни протокола от проверката на котела.\n\nЗастрахователна компания';
		const hrBlock =
			'Od: Osiguranje <info@osiguranje.example>\nPoslano: utorak, 4. ožujka 2025. 9:15\nZa: Ana Horvat <ana.horvat@example.hr>\nPredmet: Pregled kotla\n\nPoštovani,\n\npošaljite nam zapisnik o pregledu kotla.\n\nOsiguranje';
		const roBlock =
			'De la: Asigurări <info@asigurari.example>\nTrimis: marți, 4 martie 2025 09:15\nCătre: Ioana Popescu <ioana.popescu@example.ro>\nSubiect: Verificare centrală\n\nBună ziua,\n\nvă rugăm să ne trimiteți procesul-verbal de verificare a centralei.\n\nAsigurări';
		const heBlock =
			'מאת: חברת הביטוח <info@bituach.example>\nנשלח: יום שלישי, 4 במרץ 2025 09:15\nאל: דנה לוי <dana.levi@example.co.il>\nנושא: בדיקת דוד\n\nשלום,\n\nנא לשלוח לנו אישור בדיקה של הדוד.\n\nחברת הביטוח';
		const forwards: ReadonlyArray< readonly [ string, string, string ] > = [
			[
				'Καλημέρα σας,\n\nΣας προωθώ το μήνυμα της ασφαλιστικής. Μπορείτε να έρθετε την Πέμπτη;\n\nΓιώργος Δημητρίου',
				elBlock,
				'ΑΠ: Πιστοποιητικό λέβητα',
			],
			[
				'Καλησπέρα,\n\nσας προωθώ παρακάτω το email που πήρα. Τι χρειάζεται να κάνω;\n\nΓιώργος',
				elBlock,
				'Πιστοποιητικό λέβητα',
			],
			[
				'ΣΑΣ ΠΡΟΩΘΩ ΤΟ ΜΗΝΥΜΑ ΑΠΟ ΤΗΝ ΑΣΦΑΛΙΣΤΙΚΗ.\n\nΓιώργος',
				elBlock,
				'ΑΠ: Πιστοποιητικό λέβητα',
			],
			[
				'Dobrý den,\n\npřeposílám Vám zprávu od pojišťovny. Můžete přijet příští týden?\n\nJan Novák',
				csBlock,
				'Odp: Revize kotle',
			],
			[
				'Dobrý deň,\n\npreposielam Vám e-mail z poisťovne nižšie.\n\nJán Kováč',
				csBlock,
				'Re: Revize kotle',
			],
			[
				'Добрий день,\n\nпересилаю вам лист від страхової компанії. Коли зможете приїхати?\n\nОлена Коваль',
				ukBlock,
				'RE: Перевірка котла',
			],
			[
				'Здравейте,\n\nпрепращам ви писмото от застрахователя по-долу.\n\nИван Петров',
				bgBlock,
				'RE: Проверка на котела',
			],
			[
				'Poštovani,\n\nprosljeđujem vam poruku osiguranja u nastavku. Možete li doći?\n\nAna Horvat',
				hrBlock,
				'Odg: Pregled kotla',
			],
			[
				'Pozdrav,\n\nprosleđujem vam mejl od osiguranja ispod.\n\nMarko',
				hrBlock,
				'Re: Pregled kotla',
			],
			[
				'Pozdravljeni,\n\nposredujem vam sporočilo zavarovalnice spodaj.\n\nMaja',
				hrBlock,
				'Re: Pregled kotla',
			],
			[
				'Bună ziua,\n\nvă redirecționez mesajul de la asigurări de mai jos. Puteți veni joi?\n\nIoana Popescu',
				roBlock,
				'RE: Verificare centrală',
			],
			[
				'שלום,\n\nאני מעבירה לכם את המייל מחברת הביטוח. מתי תוכלו להגיע?\n\nדנה לוי',
				heBlock,
				'השב: בדיקת דוד',
			],
		];
		for ( const [ note, block, subject ] of forwards ) {
			const text = `${ note }\n\n${ block }`;
			assert.equal( reply( text, subject ), text, note );
		}
		const replies: ReadonlyArray< readonly [ string, string, string ] > = [
			[
				'Ευχαριστώ, προωθώ το μήνυμά σας στο λογιστήριο.\n\nΓιώργος',
				elBlock,
				'ΑΠ: Πιστοποιητικό λέβητα',
			],
			[
				'Καλημέρα,\n\nσας προωθώ το τιμολόγιο που ζητήσατε.\n\nΓιώργος',
				elBlock,
				'ΑΠ: Πιστοποιητικό λέβητα',
			],
			[
				'Δείτε το παρακάτω μήνυμα και πείτε μου πότε μπορείτε.\n\nΓιώργος',
				elBlock,
				'ΑΠ: Πιστοποιητικό λέβητα',
			],
			[
				'Ευχαριστώ, θα προωθήσω το μήνυμα στον διαχειριστή.\n\nΓιώργος',
				elBlock,
				'ΑΠ: Πιστοποιητικό λέβητα',
			],
			[
				'Děkuji, přeposílám Vaši zprávu kolegovi.\n\nJan Novák',
				csBlock,
				'Odp: Revize kotle',
			],
			[
				'Дякую, пересилаю ваш лист бухгалтерії.\n\nОлена',
				ukBlock,
				'RE: Перевірка котла',
			],
			[
				'Hvala, prosljeđujem vašu poruku računovodstvu.\n\nAna',
				hrBlock,
				'Odg: Pregled kotla',
			],
			[
				'Mulțumesc, vă trimit devizul semnat.\n\nIoana',
				roBlock,
				'RE: Verificare centrală',
			],
			[
				'תודה, אני מעבירה את ההודעה שלכם להנהלת החשבונות.\n\nדנה',
				heBlock,
				'השב: בדיקת דוד',
			],
		];
		for ( const [ note, block, subject ] of replies ) {
			assert.equal(
				reply( `${ note }\n\n${ block }`, subject ),
				note,
				note
			);
		}
	} );

	it( 'cuts Outlook header blocks in Slovak ("Od: / Odoslané: / Komu: / Predmet:"), Serbian Cyrillic ("Од: / Послато: / За: / Тема:"), Slovenian ("Zadeva:"), Croatian ("Predmet:") and Arabic ("تاريخ الإرسال:")', () => {
		const texts: [ string, string ][] = [
			[
				'Ďakujem, v utorok to vyhovuje.\n\nJán',
				'Od: Podpora <support@example.test>\nOdoslané: 3. novembra 2025 14:05\nKomu: Ján <jan@example.org>\nPredmet: [#1] Doprava',
			],
			[
				'Хвала, уторак одговара.\n\nЈован',
				'Од: Подршка <support@example.test>\nПослато: 3. новембар 2025 14:05\nЗа: Јован <jovan@example.org>\nТема: [#1] Испорука',
			],
			[
				'Hvala, torek ustreza.\n\nJana',
				'Od: Podpora <support@example.test>\nPoslano: 3. november 2025 14:05\nZadeva: [#1] Dostava',
			],
			[
				'Hvala, utorak odgovara.\n\nIvana',
				'Šalje: Podrška <support@example.test>\nPoslano: 3. studenoga 2025. 14:05\nPredmet: [#1] Dostava',
			],
			[
				'شكرًا، الثلاثاء مناسب.\n\nعمر',
				'من: الدعم <support@example.test>\nتاريخ الإرسال: 3 نوفمبر 2025 14:05\nالموضوع: [#1] التوصيل',
			],
		];
		for ( const [ own, block ] of texts ) {
			assert.equal(
				reply(
					`${ own }\n\n${ block }\n\nQuoted notice.\n`,
					'RE: [#1] X'
				),
				own
			);
		}
	} );

	it( 'does not take a sentence ending in "wrote:" for history', () => {
		const text = 'My colleague wrote:\nthe printer is broken.';
		assert.equal( reply( text ), text );
	} );

	it( 'cuts at our marker and the attribution line above it', () => {
		assert.equal(
			reply(
				'Done.\n\nOn Tue, Support <support@example.test> wrote:\n> -- Reply above this line --\n> Ticket #4'
			),
			'Done.'
		);
	} );

	it( 'cuts the forwarder\'s own "-- " signature below an inline forward\'s end line (mutt\'s "----- End forwarded message -----", "Ende der weitergeleiteten Nachricht", The Bat!\'s "Конец исходного сообщения", "End of forwarded message" alone), the end line kept; a "-- " signature inside the forwarded message, above the end line or in a forward without one, stays', () => {
		// Trailing blanks go from every line ("-- " comes back as "--").
		const tidied = ( text: string ) => text.replace( / +$/gmu, '' );
		const muttHeaders =
			'Date: Mon, 3 Mar 2025 10:12:45 +0100\nFrom: Anna Berg <anna@berg.example>\nTo: John Smith <john@smith.example>\nSubject: Kitchen tap\n\n';
		const muttForward =
			'Could you have a look at this?\n\n----- Forwarded message from Anna Berg <anna@berg.example> -----\n\n' +
			muttHeaders +
			'Hello John,\n\nthe kitchen tap leaks again.\n\n-- \nAnna Berg\nBerg Plumbing\n\n----- End forwarded message -----';
		assert.equal(
			reply(
				`${ muttForward }\n\n-- \nJohn Smith\nhttps://john.example\n`,
				'Fwd: Kitchen tap'
			),
			tidied( muttForward )
		);
		const german =
			'Bitte prüfen Sie das.\n\n----- Weitergeleitete Nachricht von Anna Berg <anna@berg.example> -----\n\nDatum: Mon, 3 Mar 2025 10:12:45 +0100\nVon: Anna Berg <anna@berg.example>\nAn: Jan Schmidt <jan@schmidt.example>\nBetreff: Wasserhahn\n\nHallo Jan,\n\nder Wasserhahn tropft wieder.\n\nAnna\n\n----- Ende der weitergeleiteten Nachricht -----';
		assert.equal(
			reply(
				`${ german }\n\n-- \nJan Schmidt\nTel. 030 1234567\n`,
				'WG: Wasserhahn'
			),
			german
		);
		const theBat =
			'Добрый день!\n\nПересылаю письмо соседки.\n\nThis is a forwarded message\nFrom: Анна Берг <anna@berg.example>\nTo: Иван Смирнов <ivan@smirnov.example>\nDate: Monday, March 3, 2025, 10:12:45 AM\nSubject: Кран\n\n===8<==============Начало исходного сообщения===============\nИван, кран снова течёт.\n\nАнна\n===8<===========Конец исходного сообщения===========';
		assert.equal(
			reply(
				`${ theBat }\n\n\n\n-- \nС уважением,\n Иван                          mailto:ivan@smirnov.example\n`,
				'Fwd: Кран'
			),
			theBat
		);
		const unframed =
			'FYI.\n\nBegin forwarded message:\n\nFrom: Anna Berg <anna@berg.example>\nSubject: Kitchen tap\nDate: 3 March 2025 at 10:12:45 CET\nTo: John Smith <john@smith.example>\n\nThe kitchen tap leaks again.\n\nAnna\n\nEnd of forwarded message';
		assert.equal(
			reply( `${ unframed }\n\n-- \nJohn\n`, 'Fwd: Kitchen tap' ),
			unframed
		);
		// A signature inside the forwarded message: the forwarded content.
		const inside = `${ muttForward.replace(
			'\n\n----- End forwarded message -----',
			''
		) }\n`;
		assert.equal(
			reply( inside, 'Fwd: Kitchen tap' ),
			tidied( inside ).trim()
		);
		const gmail =
			'See the end of the forwarded message for the prices.\n\n---------- Forwarded message ---------\nFrom: Anna Berg <anna@berg.example>\nDate: Mon, 3 Mar 2025 at 10:12\nSubject: Prices\nTo: John Smith <john@smith.example>\n\nHello John,\n\nthe prices are below.\n\n-- \nAnna Berg\nBerg Plumbing';
		assert.equal( reply( gmail, 'Fwd: Prices' ), tidied( gmail ) );
		assert.equal(
			reply( muttForward, 'Fwd: Kitchen tap' ),
			tidied( muttForward )
		);
	} );

	it( 'takes the text below the quote when only a device tagline stands above it (bottom-posted from a phone)', () => {
		// The tagline on top, a quoted attribution, the quote, then the answer.
		assert.equal(
			reply(
				'Von meinem iPhone gesendet\n\n> Am 12.03.2025 um 10:00 schrieb Support <support@example.test>:\n> \n> Ihre Reparatur ist abholbereit.\n> \n> Viele Grüße\n> Support\n\nDanke, ich hole sie am Freitag ab. Kann ich bar zahlen?\n\nGruß\nPeter',
				'AW: [#123] Reparatur abholbereit'
			),
			'Danke, ich hole sie am Freitag ab. Kann ich bar zahlen?\n\nGruß\nPeter'
		);
		// No attribution at all, blank lines above the tagline.
		assert.equal(
			reply(
				'\n\nEnvoyé de mon iPad\n\n> Votre commande est prête.\n> Cordialement\n\nMerci, je passe demain matin.\nClaire'
			),
			'Merci, je passe demain matin.\nClaire'
		);
		// An app's tagline, the attribution unquoted above the quote.
		assert.equal(
			reply(
				'Get Outlook for iOS\n\nOn Mon, 3 Mar 2025 at 10:12, Support <support@example.test> wrote:\n\n> Your parcel has arrived.\n\nThanks, I will pick it up on Monday.\n\nTom'
			),
			'Thanks, I will pick it up on Monday.\n\nTom'
		);
		// Answers between the quoted lines.
		assert.equal(
			reply(
				'Sent from my Galaxy\n\n> Which day suits you?\n\nTuesday.\n\n> Which time?\n\nAfter 3 pm.\n\nAnna'
			),
			'Tuesday.\n\nAfter 3 pm.\n\nAnna'
		);
	} );

	it( 'keeps a top-posted reply above its tagline, and a tagline with only a quote stays empty', () => {
		assert.equal(
			reply(
				'Yes, Saturday works.\n\nSent from my iPhone\n\n> On 25 Mar 2025, at 14:30, Support <support@example.test> wrote:\n>\n> Your repair is ready.\n'
			),
			'Yes, Saturday works.'
		);
		// Text above the tagline: what follows the quote is not looked for.
		assert.equal(
			reply(
				'Yes, Saturday works.\n\nSent from my iPhone\n\n> Your repair is ready.\n\nLegal notice: this email is confidential.'
			),
			'Yes, Saturday works.'
		);
		assert.equal(
			reply(
				'Sent from my iPad\n\n> On 25 Mar 2025, at 14:30, Support <support@example.test> wrote:\n>\n> Your repair is ready.\n>\n> Kind regards\n\n'
			),
			''
		);
		assert.equal(
			reply(
				'Von meinem iPhone gesendet\n\nAm 12.03.2025 um 10:00 schrieb Support <support@example.test>:\n\n> Ihre Reparatur ist abholbereit.\n\n'
			),
			''
		);
	} );
} );

describe( 'htmlToText with quote marks', () => {
	it( 'marks blockquotes so the reply of an HTML-only email is found', () => {
		const html =
			'<div>Thanks, fixed.</div><div class="gmail_quote"><div class="gmail_attr">On Mon, 3 Jun 2024 at 10:12 Support &lt;support@example.test&gt; wrote:<br></div><blockquote class="gmail_quote"><div>Old <b>text</b></div><blockquote>older</blockquote></blockquote></div>';
		const text = htmlToText( html, true );
		assert.match( text, /^> Old text$/m );
		assert.match( text, /^> > older$/m );
		assert.equal( reply( text ), 'Thanks, fixed.' );
	} );

	it( 'keeps the cells of a table row words apart', () => {
		assert.equal(
			htmlToText(
				'<table><tr><td>Unit</td><td>MPRN</td><td>Water</td></tr><tr><td>Flat 2</td><td>10009876543</td><td>0412.7</td></tr></table>'
			),
			'Unit MPRN Water\nFlat 2 10009876543 0412.7'
		);
	} );

	it( 'breaks the line at a <br> with attributes, as a browser does', () => {
		assert.equal(
			htmlToText(
				'<p>Kind regards<br data-mce-bogus="1">Ana Ruiz<br class="">Clerk<BR CLEAR=ALL>Town Hall<br/>Main Square 1</p>'
			),
			'Kind regards\nAna Ruiz\nClerk\nTown Hall\nMain Square 1'
		);
		// Not a line break: an element whose name only starts with "br".
		assert.equal( htmlToText( '<p>one<bread>two</bread></p>' ), 'onetwo' );
	} );

	it( 'keeps the forwarded email below a tagline, without the tagline', () => {
		assert.equal(
			reply(
				'The code below does not work.\n\nGloria\n\nSent from Yahoo Mail for iPhone\n\n\n----- Forwarded Message -----\nFrom: Shop <news@shop.example>\nSubject: Sale\n\nUse code SPRING25.\n',
				'Fw: Sale'
			),
			'The code below does not work.\n\nGloria\n\n----- Forwarded Message -----\nFrom: Shop <news@shop.example>\nSubject: Sale\n\nUse code SPRING25.'
		);
	} );

	it( "drops iPhone Mail's tagline under a forwarded email, and keeps the forward", () => {
		assert.equal(
			reply(
				'Ordine 30-16502, potete riconsegnare?\n\nMarco\n\nInizio messaggio inoltrato:\n\nDa: Corriere <avvisi@corriere.example>\nOggetto: Tentativo di consegna\n\nNessuno in casa.\n\nInviato da iPhone\n',
				'I: Tentativo di consegna'
			),
			'Ordine 30-16502, potete riconsegnare?\n\nMarco\n\nInizio messaggio inoltrato:\n\nDa: Corriere <avvisi@corriere.example>\nOggetto: Tentativo di consegna\n\nNessuno in casa.'
		);
	} );

	it( 'drops taglines of more phones and languages', () => {
		assert.equal(
			reply(
				'Quanto costerebbe la modifica?\n\nLuca\n\nInviato dal mio smartphone Huawei.',
				'Viaggio di nozze'
			),
			'Quanto costerebbe la modifica?\n\nLuca'
		);
		assert.equal(
			reply( '날짜 변경 가능한가요\n\niPhone에서 보냄', '여권 분실' ),
			'날짜 변경 가능한가요'
		);
	} );

	it( "drops iPhone Mail's and other clients' taglines in Greek, Bulgarian, Slovak, Catalan, Serbian, Traditional Chinese and Arabic, and Windows Mail's in Dutch", () => {
		for ( const tagline of [
			'Αποστολή από το iPhone μου',
			'Αποστολή από το iPad μου',
			'Изпратено от моя iPhone',
			'Odoslané z iPhonu',
			'Odoslané zo Samsungu',
			'Enviat des del meu iPhone',
			'Poslato sa mog iPhone-a',
			'從我的 iPhone 傳送',
			'أُرسلت من الـ iPhone',
			'Verzonden vanuit Mail voor Windows 10',
			'Verzonden vanuit Outlook',
		] ) {
			assert.equal(
				reply( `Ναι, στις 18:30.\n\nΜαρία\n\n${ tagline }`, 'Re: Ώρα' ),
				'Ναι, στις 18:30.\n\nΜαρία',
				tagline
			);
		}
		// "Αποστολή από" alone is everyday Greek ("dispatch from"): a person's line about a
		// shipment is theirs, and so is what follows it.
		const own =
			'Καλησπέρα,\n\nΑποστολή από το κατάστημα στη Θεσσαλονίκη με courier, έφτασε σπασμένο.\nΜπορείτε να το αντικαταστήσετε;\n\nΝίκος';
		assert.equal( reply( own, 'Παραγγελία 4411' ), own );
	} );

	it( "keeps a bottom-posted answer under Thunderbird's attribution naming the sender only", () => {
		assert.equal(
			reply(
				'Am 04.03.25 um 16:45 schrieb Example Freight Customer Service:\n> Please find our quote.\n>\n> Kind regards\n\nWir nehmen Option B.\n\nGruß\nStefan'
			),
			'Wir nehmen Option B.\n\nGruß\nStefan'
		);
		assert.equal(
			reply(
				'请问怎么结算？\n谢谢！\n陈志强\n\n发自网易邮箱大师',
				'查验'
			),
			'请问怎么结算？\n谢谢！\n陈志强'
		);
	} );

	it( 'cuts a Persian attribution dated in Persian digits', () => {
		assert.equal(
			reply(
				'سلام، فایل را ارسال کردم.\n\nدر تاریخ دوشنبه ۵ خرداد ۱۴۰۴ ساعت ۹:۲۰، Service Desk <support@example.test> نوشت:\n\n> لطفاً فایل را بفرستید.\n'
			),
			'سلام، فایل را ارسال کردم.'
		);
	} );
	it( 'keeps a forward Outlook titles only with a header block, under a phone tagline', () => {
		const text =
			'Can you check this charge?\n\nThanks\nPriya\n\nGet Outlook for Android\n\n________________________________\nFrom: Bank Alerts <alerts@bank.example>\nSent: Sunday, April 6, 2025 8:14 AM\nTo: priya@example.org\nSubject: Payment declined\n\nA card payment was declined.';
		assert.equal(
			reply( text, 'Fw: Payment declined' ),
			'Can you check this charge?\n\nThanks\nPriya\n\n________________________________\nFrom: Bank Alerts <alerts@bank.example>\nSent: Sunday, April 6, 2025 8:14 AM\nTo: priya@example.org\nSubject: Payment declined\n\nA card payment was declined.'
		);
		// Not a forward by its subject: the same block is the history of a reply.
		assert.equal(
			reply( text, 'Re: Payment declined' ),
			'Can you check this charge?\n\nThanks\nPriya'
		);
	} );

	it( 'gives only the note above a forward when asked (noteOnly)', () => {
		const note = ( text: string ) =>
			extractReply( text, {
				marker: '',
				subject: 'Fwd: Order shipped',
				keepSignature: true,
				noteOnly: true,
			} );
		assert.equal(
			note(
				'See below, nothing arrived.\n\n---------- Forwarded message ---------\nFrom: Shop <shop@example.org>\nSubject: Order shipped\n\nYour order has shipped.'
			),
			'See below, nothing arrived.'
		);
		assert.equal(
			note(
				'See below.\n\nDe : Shop <shop@example.org>\nEnvoyé : lundi 3 mars 2025 10:00\nÀ : Anne <anne@example.org>\nObjet : Commande expédiée\n\nVotre commande est partie.'
			),
			'See below.'
		);
	} );
	it( 'keeps a pasted mail server reply, which names an address and ends with a colon', () => {
		assert.equal(
			reply(
				'My mail to your colleague came back with this:\n\nThe response from the remote server was:\n550 5.1.1 <ann@clinic.example>: Recipient address rejected:\nUser unknown in virtual mailbox table\n\nCould you pass this on?\n\nGareth',
				'Mail to Ann bounced'
			),
			'My mail to your colleague came back with this:\n\nThe response from the remote server was:\n550 5.1.1 <ann@clinic.example>: Recipient address rejected:\nUser unknown in virtual mailbox table\n\nCould you pass this on?\n\nGareth'
		);
	} );

	it( 'knows South Slavic attributions ("je napisao/la:") above interleaved answers', () => {
		assert.equal(
			reply(
				'Poštovani,\n\nodgovori su ispod.\n\nDana 12. 03. 2025. u 10:15, Korisnička služba je napisao/la:\n> Liže li ranu?\n\nNe liže.\n\n> Jede li normalno?\n\nDa.\n\nLijep pozdrav,\nIvan'
			),
			'Poštovani,\n\nodgovori su ispod.\n\nNe liže.\n\nDa.\n\nLijep pozdrav,\nIvan'
		);
	} );
	it( 'cuts Outlook Express history whose dashed title runs on into its first header (format=flowed)', () => {
		assert.equal(
			reply(
				'Kérem, erősítsék meg.\n\nÜdvözlettel:\nTörök Gábor\n\n----- Original Message ----- From: "Support" <support@example.test>\nTo: <gabor@example.net>\nSent: Tuesday, March 18, 2025 3:44 PM\nSubject: [#51385] Díj\n\n> Régi szöveg'
			),
			'Kérem, erősítsék meg.\n\nÜdvözlettel:\nTörök Gábor'
		);
	} );

	it( 'cuts a Turkish device tagline, which ends in its verb, and keeps a sentence that ends so', () => {
		assert.equal(
			reply(
				'Fotoğrafı ekledim.\n\nTeşekkürler,\nElif\n\nSamsung Galaxy cihazımdan gönderildi',
				'Valiz'
			),
			'Fotoğrafı ekledim.\n\nTeşekkürler,\nElif'
		);
		assert.equal(
			reply( 'Merhaba,\n\nDosya dün gönderildi.\n\nElif', 'Dosya' ),
			'Merhaba,\n\nDosya dün gönderildi.\n\nElif'
		);
	} );
	it( 'cuts a Notes attribution framed in dashes with its colon inside', () => {
		assert.equal(
			reply(
				'Please issue the invoice to the consignee.\n\nBest Regards,\nKwong Ka Ho\n\n-----"Support" <support@example.test> wrote: -----\n\nTo: buyer@example.org\nFrom: "Support" <support@example.test>\nDate: 03/18/2025 09:15AM\nSubject: [#51385] Export documents\n\nOld text'
			),
			'Please issue the invoice to the consignee.\n\nBest Regards,\nKwong Ka Ho'
		);
	} );

	it( 'keeps a forward titled "Original message" when the subject says forward, full-width colon too', () => {
		const text =
			'请确认批号是否在召回范围内。\n\n谢谢！\n陈晓东\n\n------------------ 原始邮件 ------------------\n发件人: "Quality" <quality@mfr.example>\n主题: 质量通知\n\n请立即停止使用上述批号。';
		assert.equal( reply( text, '转发：质量通知' ), text );
		assert.equal(
			reply( text, '回复：质量通知' ),
			'请确认批号是否在召回范围内。\n\n谢谢！\n陈晓东'
		);
	} );
	it( "keeps answers given between quoted lines under a Proton Mail tagline, and cuts Windows Mail's linked tagline", () => {
		assert.equal(
			reply(
				'Hi, answers inline below.\n\nSent with Proton Mail secure email.\n\nOn Thursday, March 20th, 2025 at 09:12, Support <support@example.test> wrote:\n\n> Is there a lift?\n\nYes, a small one.\n\n> Which floor?\n\nThird.\n\n> Thanks\n\nDana'
			),
			'Hi, answers inline below.\n\nYes, a small one.\n\nThird.\n\nDana'
		);
		assert.equal(
			reply(
				'Bom dia,\n\nveio com a cor errada.\n\nObrigado,\nJoão\n\nEnviado do Correio<https://go.microsoft.com/fwlink/?LinkId=550986> para Windows',
				'Cor errada'
			),
			'Bom dia,\n\nveio com a cor errada.\n\nObrigado,\nJoão'
		);
	} );

	it( 'drops a tagline said as a whole sentence naming the phone or app ("Diese Nachricht wurde von meinem Android Mobiltelefon mit WEB.DE Mail gesendet.")', () => {
		assert.equal(
			reply(
				'Guten Abend,\n\nder Rollladen im Schlafzimmer hängt schief und fährt nicht mehr ganz hoch. Kann diese Woche noch jemand vorbeikommen?\n\nGruß\nMarkus Albrecht\n\nDiese Nachricht wurde von meinem Android Mobiltelefon mit WEB.DE Mail gesendet.',
				'Rollladen defekt'
			),
			'Guten Abend,\n\nder Rollladen im Schlafzimmer hängt schief und fährt nicht mehr ganz hoch. Kann diese Woche noch jemand vorbeikommen?\n\nGruß\nMarkus Albrecht'
		);
		assert.equal(
			reply(
				'Hoi,\n\nde bestelling is nog niet binnen.\n\nGroet,\nSanne\n\nDit bericht is verzonden vanaf mijn Android-apparaat met K-9 Mail.',
				'Bestelling 5512'
			),
			'Hoi,\n\nde bestelling is nog niet binnen.\n\nGroet,\nSanne'
		);
		// A sentence of the person's own that goes on is theirs.
		const own =
			'Bonjour,\n\nCe message a été envoyé depuis mon iPhone. Je ne peux pas ouvrir la pièce jointe, pouvez-vous la renvoyer ?\n\nMarie';
		assert.equal( reply( own, 'Facture' ), own );
	} );

	it( 'keeps a sentence of the writer\'s own introducing a citation ("2) In the inspection note of 12 May your engineer wrote:" over a line in quotes, their text and signature below), and still cuts attributions that date what they quote by a year, a time of day or a numeric date, or that quoted lines follow', () => {
		const own =
			'Hello,\n\n1) The meeting room is free on Friday.\n\n2) In the inspection note of 12 May your engineer wrote:\n\u201cSeal on the rear door worn, replacement advised.\u201d\nWe had the seal replaced on 20 May. Please check it on your next visit.\n\nThanks,\nHelen Barker';
		assert.equal( reply( own, 'Two things' ), own );
		assert.equal(
			reply(
				'Een vraag nog.\n\nIn uw rapport van 12 mei schreef de monteur:\n\u201eDeur sluit niet goed.\u201d\nDat is inmiddels hersteld.\n\nGroet,\nEls',
				'Rapport'
			),
			'Een vraag nog.\n\nIn uw rapport van 12 mei schreef de monteur:\n\u201eDeur sluit niet goed.\u201d\nDat is inmiddels hersteld.\n\nGroet,\nEls'
		);
		for ( const attribution of [
			'Support wrote on 12 May 2025:',
			'12 May, 10:12, Support wrote:',
			'12/05/25 Support wrote:',
		] ) {
			assert.equal(
				reply(
					`Works now, thanks.\n\n${ attribution }\nPlease try again.\nKind regards, Support\n`
				),
				'Works now, thanks.',
				attribution
			);
		}
		assert.equal(
			reply(
				'Works now, thanks.\n\nOn 12 May Support wrote:\n> Please try again.\n'
			),
			'Works now, thanks.'
		);
	} );

	it( 'cuts Japanese and Korean Thunderbird attributions ("… さんは書きました:", "… 이(가) 쓴 글:")', () => {
		assert.equal(
			reply(
				'承知しました。金曜日の午前中にお伺いします。\n\n山田 花子\n\n2025/06/02 9:15 に サポート窓口 さんは書きました:\n> 山田様\n>\n> 点検の日程をご連絡ください。\n'
			),
			'承知しました。金曜日の午前中にお伺いします。\n\n山田 花子'
		);
		assert.equal(
			reply(
				'네, 목요일 오후 2시에 방문하겠습니다.\n\n김민수\n\n2025. 6. 2. 오전 9:15에 고객지원 이(가) 쓴 글:\n> 방문 가능한 시간을 알려 주세요.\n'
			),
			'네, 목요일 오후 2시에 방문하겠습니다.\n\n김민수'
		);
	} );
	it( 'keeps a platform\'s notice that relays a person\'s message under "Name (…) wrote:" with the platform\'s own line below saying a reply reaches them ("You can reply to this email and your answer will be sent to Priya", "Reply to this email to answer Daniel", "Antworten Sie auf diese E-Mail, um Anna direkt zu antworten"); still cuts unquoted histories under such a line that nobody\'s reply pointer names, and the "On … wrote:" of a person replying to such a notice', () => {
		const notices = [
			'New message from a client\n\nPriya S. (booking BW-71930425, Nostril piercing with Saskia, Sat 3 May 2025, 11:30) wrote:\n\nHello, is a small keloid on the other side a problem? Also can I pay by card on the day?\n\nYou can reply to this email and your answer will be sent to Priya via Bookwell.\n\nBookwell for Partners · Help centre: https://partners.bookwell.example/help',
			'Daniel K. (order 2025-11873, 12 May 2025, 09:14) wrote:\n\nThe parcel arrived but the left speaker is silent. Can I send it back?\n\nReply to this email to answer Daniel directly.',
			'Neue Nachricht zu Ihrer Buchung\n\nAnna Berger (Buchung 55102, Sa 17.05.2025, 14:00) schrieb:\n\nKann ich den Termin um eine Stunde verschieben?\n\nAntworten Sie auf diese E-Mail, um Anna direkt zu antworten.',
		];
		for ( const notice of notices ) {
			assert.equal( reply( notice, 'New message' ), notice );
		}
		// A history whose pointer names someone else than the writer the line names, and a
		// person's reply quoting such a notice.
		assert.equal(
			reply(
				'Works now, thanks.\n\n12 May 2025, 10:12, Bookwell wrote:\nNew message from a client\nPriya asks about her booking.\nYou can reply to this email and your answer will be sent to Priya via Bookwell.\n'
			),
			'Works now, thanks.'
		);
		assert.equal(
			reply(
				'Works now, thanks.\n\nBookwell wrote on 29 Apr 2025:\nNew message from a client\nPriya asks about her booking.\nYou can reply to this email and your answer will be sent to Priya via Bookwell.\n'
			),
			'Works now, thanks.'
		);
		assert.equal(
			reply(
				'Yes, the left side is fine.\n\nOn Tue, 29 Apr 2025 at 08:39, Bookwell <messages@bookwell.example> wrote:\n\nPriya S. (booking BW-71930425, Sat 3 May 2025, 11:30) wrote:\n\nWould you still pierce the left side?\n\nYou can reply to this email and your answer will be sent to Priya via Bookwell.\n'
			),
			'Yes, the left side is fine.'
		);
		assert.equal(
			reply(
				'Works now, thanks.\n\n12 May, 10:12, Support wrote:\nPlease try again.\nKind regards, Support\n'
			),
			'Works now, thanks.'
		);
	} );
} );

describe( 'webmail "original message" separators in more languages, any number of dashes', () => {
	const MYSELF =
		'Добрий день!\n\nЗамовлення отримала, дякую. Чи можна доставку перенести на п\u2019ятницю?\n\nЗ повагою,\nІрина Шевчук';

	it( 'cuts a Ukrainian webmail\'s "--- Оригінальне повідомлення ---" and its header block ("Від кого:", "Дата:"), plain text', () => {
		assert.equal(
			reply(
				`${ MYSELF }\n\n--- Оригінальне повідомлення ---\nВід кого: "Example Shop" <support@example.test>\nДата: 3 червня 2025, 10:41:07\n\nШановна пані Ірино,\nваше замовлення № 7731 відправлено.\n`
			),
			MYSELF
		);
	} );

	it( 'cuts the same separator in an HTML-only reply, header lines outside the blockquote', () => {
		const html =
			'<div>Добрий день!</div>\r\n<div><br></div>\r\n<div>Рахунок оплатили вчора.</div>\r\n<div><br></div>\r\n<div>Петро</div>\r\n<div><br></div><div>--- Оригінальне повідомлення ---</div>\r\n<div>Від кого: &quot;Example Shop&quot; &lt;support@example.test&gt;</div>\r\n<div>Дата: 1 червня 2025, 09:14:22</div>\r\n<div><br></div>\r\n<blockquote><div>Надсилаємо рахунок № 55.</div></blockquote>';
		assert.equal(
			reply( htmlToText( html, true ) ),
			'Добрий день!\n\nРахунок оплатили вчора.\n\nПетро'
		);
	} );

	it( "cuts separators framed in fewer dashes, or in none, when their webmail's header block follows (Russian, Belarusian, Bulgarian, Serbian, Slovenian, Polish, Romanian, Greek, Turkish, Czech)", () => {
		const own = 'Thanks, that works for us.\n\nAnna';
		const histories = [
			'-- Исходное сообщение --\nОт кого: Example Shop <support@example.test>\nКому: anna@example.org\nДата: Понедельник, 2 июня 2025, 10:12 +03:00\nТема: Заказ 7731',
			'- Оригинальное сообщение -\nОт кого: Example Shop <support@example.test>\nДата: 2 июня 2025, 10:12',
			'Арыгінальнае паведамленне\nАд каго: Example Shop <support@example.test>\nКаму: anna@example.org\nТэма: Заказ 7731',
			'Оригинално писмо\nОт: Example Shop <support@example.test>\nОтносно: Поръчка 7731\nДо: anna@example.org\nИзпратено на: 02.06.2025 10:12',
			'-------- Изворна порука --------\nОд: Example Shop <support@example.test>\nДатум: 02.06.2025. 10:12\nЗа: anna@example.org',
			'-------- Izvirno sporočilo --------\nOd: Example Shop <support@example.test>\nDatum: 2. 06. 2025 10:12\nZadeva: Naročilo 7731',
			'Wiadomość oryginalna\nOd: Example Shop <support@example.test>\nDo: anna@example.org\nData: 2 czerwca 2025 10:12\nTemat: Zamówienie 7731',
			'-- Mesaj original --\nDe la: Example Shop <support@example.test>\nCătre: anna@example.org\nData: 2 iunie 2025 10:12\nSubiect: Comanda 7731',
			'Αρχικό μήνυμα\nΑπό: Example Shop <support@example.test>\nΠρος: anna@example.org\nΗμερομηνία: 2 Ιουνίου 2025 10:12\nΘέμα: Παραγγελία 7731',
			'----- Özgün ileti -----\nKimden: Example Shop <support@example.test>\nTarih: 2 Haziran 2025 10:12',
			'Původní zpráva\nOd: Example Shop <support@example.test>\nKomu: anna@example.org\nDatum: 2. 6. 2025 10:12\nPředmět: Objednávka 7731',
		];
		for ( const history of histories ) {
			assert.equal(
				reply(
					`${ own }\n\n${ history }\n\nWe have shipped your order.\n`
				),
				own,
				history.split( '\n' )[ 0 ]
			);
		}
	} );

	it( 'keeps a forward under such a separator, and a Russian webmail\'s forward title ("Пересылаемое сообщение") with its header block', () => {
		const forward =
			'Посмотрите, пожалуйста, что не так.\n\nОльга\n\n-------- Пересылаемое сообщение --------\nОт кого: Банк <noreply@bank.example>\nКому: olga@example.org\nДата: Понедельник, 2 июня 2025, 10:12 +03:00\nТема: Платёж отклонён\n\nВаш платёж отклонён.';
		assert.equal( reply( forward, 'Fwd: Платёж отклонён' ), forward );
		assert.equal( reply( forward, 'Платёж отклонён' ), forward );
		const original =
			'Перешлю вам лист нижче.\n\nОльга\n\n--- Оригінальне повідомлення ---\nВід кого: Банк <noreply@bank.example>\nДата: 2 червня 2025, 10:12:00\n\nВаш платіж відхилено.';
		assert.equal( reply( original, 'Fwd: Платіж відхилено' ), original );
	} );

	it( "keeps a person's own words about the original message, a heading without a header block, and fields without a sender", () => {
		const own = [
			'Hello,\n\nthe original message said the crane would come at 9, but nobody came.\n\nFrom: my side, everything is ready.\nDate: any day next week.\n\nPeter',
			'Добрий день,\n\nу вашому оригінальному повідомленні було сказано, що доставка безкоштовна.\nДата: 3 червня\nТема: доставка\n\nІрина',
			'Hello,\n\nOriginal message\nThe engine will be serviced on Monday.\n\nUpdated message\nThe engine will be serviced on Tuesday.\n\nWhich one is right?\n\nPeter',
			'Добрий день,\n\nОригінальне повідомлення\nДата: 3 червня\nТема: доставка\n\nЦе все, що в мене є.\n\nІрина',
			// "Original", but no message: a booking's fields.
			'Hello,\n\nOriginal booking\nFrom: London\nDate: 3 June 2025\n\nPlease change it to 4 June.\n\nPeter',
		];
		for ( const text of own ) {
			assert.equal( reply( text ), text );
		}
	} );
} );
