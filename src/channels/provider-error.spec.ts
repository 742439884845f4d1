import { classifySmtpError, classifyTwilioError, twilioErrorClass } from './provider-error';

const rest = (code: number, status: number) => Object.assign(new Error(`e${code}`), { code, status });

describe('classifyTwilioError: the error table', () => {
  it.each([
    [429, 429, 'retry', 1000],
    [20429, 429, 'retry', 1000],
    [30001, 400, 'retry_later', 5000],
    [21611, 400, 'retry_later', 5000],
    [30003, 400, 'retry_later', 0],
    [30008, 400, 'retry_later', 0],
    [21211, 400, 'permanent', 0],
    [21614, 400, 'permanent', 0],
    [30005, 400, 'permanent', 0],
    [30006, 400, 'permanent', 0],
    [30036, 400, 'permanent', 0],
    [21610, 400, 'opt_out', 0],
    [30007, 400, 'content', 0],
    [20003, 401, 'account', 0],
    [21408, 400, 'account', 0],
    [21606, 400, 'account', 0],
  ])('%i (HTTP %i) is %s, pausing the queue %i ms', (code, status, action, pause) => {
    const e = classifyTwilioError(rest(code, status));
    expect(e.code).toBe(`twilio:${code}`);
    expect(e.action).toBe(action);
    expect(e.rateLimitMs).toBe(pause);
  });

  it('records permanent and opt-out refusals, retries the rest, and stops a campaign on content or account', () => {
    expect(classifyTwilioError(rest(21211, 400)).permanent).toBe(true);
    expect(classifyTwilioError(rest(21610, 400)).permanent).toBe(true);
    expect(classifyTwilioError(rest(30003, 400)).permanent).toBe(false);
    expect(classifyTwilioError(rest(30007, 400)).stopsCampaign).toBe(true);
    expect(classifyTwilioError(rest(20003, 401)).stopsCampaign).toBe(true);
    expect(classifyTwilioError(rest(20429, 429)).stopsCampaign).toBe(false);
  });

  it('classifies codes outside the table by their HTTP status, and network errors as retryable', () => {
    expect(classifyTwilioError(rest(21617, 400)).action).toBe('permanent');
    expect(classifyTwilioError(rest(20500, 500)).action).toBe('retry');
    expect(classifyTwilioError({ status: 429 }).action).toBe('retry');
    expect(classifyTwilioError({ status: 401, code: 20003 }).code).toBe('twilio:20003');
    const net = classifyTwilioError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
    expect([net.code, net.action]).toEqual(['net:ECONNRESET', 'retry']);
  });

  it('answers the class of a callback ErrorCode, and nothing for an unknown one', () => {
    expect(twilioErrorClass('30007')).toBe('content');
    expect(twilioErrorClass('30036')).toBe('permanent');
    expect(twilioErrorClass('99999')).toBeUndefined();
    expect(twilioErrorClass(undefined)).toBeUndefined();
  });
});

describe('classifySmtpError', () => {
  it('5xx is permanent, 4xx and network errors retry', () => {
    expect(classifySmtpError({ responseCode: 550, message: 'no' }).action).toBe('permanent');
    expect(classifySmtpError({ responseCode: 451, message: 'later' }).action).toBe('retry');
    expect(classifySmtpError({ code: 'ECONNREFUSED' }).code).toBe('net:ECONNREFUSED');
  });
});
