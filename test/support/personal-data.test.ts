import { findCodiciFiscali } from './personal-data';

/** A hex digest ending in 16 characters that, upper-cased, are a personal codice fiscale with a valid check. */
const digestLikeCf = `${'0123456789abcdef'.repeat(3)}ecafaa52b55c744f`;

describe('findCodiciFiscali (the rule 7 scan of the tests and the chaos checker)', () => {
  it('finds a personal codice fiscale in any case, and a numeric one, where their check is right', () => {
    expect(findCodiciFiscali('{"cf":"RSSMRA85T10A562S"}')).toEqual(['RSSMRA85T10A562S']);
    expect(findCodiciFiscali('<codicefiscale>rssmra85t10a562s</codicefiscale>')).toEqual(['RSSMRA85T10A562S']);
    expect(findCodiciFiscali('"piva":"05741069529"')).toEqual(['05741069529']);
  });

  it('does not take a wrong check character or a phone number for one', () => {
    expect(findCodiciFiscali('RSSMRA85T10A562T')).toEqual([]);
    expect(findCodiciFiscali('"cellulare":"3882509950","ts":1796275928116')).toEqual([]);
  });

  it('does not read one inside a hex digest, and still finds one beside it', () => {
    expect(digestLikeCf).toHaveLength(64);
    expect(findCodiciFiscali(`{"subject":"${digestLikeCf}"}`)).toEqual([]);
    expect(findCodiciFiscali(`{"subject":"${digestLikeCf}","cf":"RSSMRA85T10A562S"}`)).toEqual(['RSSMRA85T10A562S']);
    // 16 characters of the digest alone are no digest: a codice fiscale written in lower case is still one.
    expect(findCodiciFiscali(digestLikeCf.slice(48))).toEqual(['ECAFAA52B55C744F']);
  });
});
